import ZooCore

/// Instance normalization: each `[n, c]` plane is normalized by its own mean and variance, then
/// scaled and shifted by channel `c` (``RowNormalization`` with the affine index `r % C`).
struct InstanceNormKernel: Kernel {
    private let normalization: RowNormalization

    init(_ norm: InstanceNorm, input: [Int]) {
        let length = input.dropFirst(2).reduce(1, *)
        normalization = RowNormalization(
            shape: input, rows: input.prefix(2).reduce(1, *), length: length, epsilon: Double(norm.epsilon),
            scale: norm.scale.values, shift: norm.bias.values, period: input[1], perRow: 1, perIndex: length)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor { try normalization.run(inputs[0], context: context) }
}
