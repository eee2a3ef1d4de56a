import ZooCore

/// Broadcast to a shape: `Y[i] = X[i']` with the input's axes aligned at the last output axis,
/// `i'_k = 0` where the input has size 1 and `i'_k = i_k` elsewhere; a view of the input with
/// stride 0 on the broadcast axes, copied by ``StridedCopy``.
struct ExpandKernel: Kernel {
    private let copy: StridedCopy

    init(input: [Int], output: [Int]) {
        let padded = Array(repeating: 1, count: output.count - input.count) + input
        let strides = zip(contiguousStrides(padded), zip(padded, output)).map { stride, sizes in
            sizes.0 == 1 && sizes.1 != 1 ? 0 : stride
        }
        copy = StridedCopy(outputShape: output, strides: strides, offset: 0)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        try copy.run(inputs[0].elements, context: context)
    }
}
