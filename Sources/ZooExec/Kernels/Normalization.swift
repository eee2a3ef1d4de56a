import ZooCore

/// `Y = (X - mean) / max(sqrt(variance), epsilon)`: the difference by ``BroadcastKernel`` with
/// `mean` as its stored operand, then the quotient by the denominator, computed once when the
/// kernel is prepared, in float32 as Keras computes it.
struct NormalizationKernel: Kernel {
    private let centre: BroadcastKernel
    private let scale: BroadcastKernel

    init(_ norm: Normalization, input: [Int], output: [Int]) throws {
        centre = try BroadcastKernel(function: SubFunction(), constant: ConstantOperand(norm.mean), inputs: [input], output: output)
        scale = try BroadcastKernel(function: DivFunction(), constant: ConstantOperand(try norm.denominator()), inputs: [output], output: output)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        try scale.run([try centre.run(inputs, context: context)], context: context)
    }
}
