import ZooCore

/// Strided sub-tensor: `Y[i] = X[j]` with `j_a = start_a + i_a step_a` on each listed axis
/// (resolved by ``Slice/resolve(_:)``, ONNX's clamping) and `j_a = i_a` elsewhere; a view of
/// the input copied by ``StridedCopy``.
struct SliceKernel: Kernel {
    private let copy: StridedCopy

    init(_ slice: Slice, input: [Int], output: [Int]) throws {
        var strides = contiguousStrides(input)
        var offset = 0
        for axis in try slice.resolve(Shape(input)) {
            offset += axis.start * strides[axis.axis]
            strides[axis.axis] *= axis.step
        }
        copy = StridedCopy(outputShape: output, strides: strides, offset: offset)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        try copy.run(inputs[0].elements, context: context)
    }
}
