import ZooCore

/// A copy of a strided view of the input into a new contiguous tensor, shared by the slice and
/// expand kernels: output element `(i_0, ..., i_{r-1})` reads input element
/// `offset + sum_k i_k strides[k]`, a stride being any integer (0 repeats an element, a
/// negative one walks backwards).
///
/// Axes of size 1 are dropped and neighbours that the view walks contiguously are merged, so
/// that the innermost run is as long as it can be; each run is a block copy (stride 1), a fill
/// (stride 0) or a strided loop. Rows are spread over threads; every element is a plain copy,
/// so the result does not depend on the split.
struct StridedCopy: Sendable {
    private let outputShape: [Int]
    /// The merged view: sizes and input strides per axis, at least one axis.
    private let sizes: [Int]
    private let strides: [Int]
    private let offset: Int

    init(outputShape: [Int], strides viewStrides: [Int], offset: Int) {
        self.outputShape = outputShape
        self.offset = offset
        var sizes: [Int] = [], strides: [Int] = []
        for (size, stride) in zip(outputShape, viewStrides) where size != 1 {
            if let last = sizes.last, let lastStride = strides.last, lastStride == stride * size {
                sizes[sizes.count - 1] = last * size
                strides[strides.count - 1] = stride
            } else {
                sizes.append(size)
                strides.append(stride)
            }
        }
        self.sizes = sizes.isEmpty ? [1] : sizes
        self.strides = strides.isEmpty ? [0] : strides
    }

    func run(_ x: UnsafeBufferPointer<Float>, context: KernelContext) throws -> Tensor {
        let sizes = sizes, strides = strides, offset = offset
        let rank = sizes.count
        let inner = sizes[rank - 1], innerStride = strides[rank - 1]
        let rows = sizes.dropLast().reduce(1, *)
        return try context.tensor(shape: outputShape) { y in
            guard inner > 0, let source = x.baseAddress, let destination = y.baseAddress else { return }
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 16384 / inner)) { range in
                for row in range {
                    var from = offset, rest = row
                    for axis in stride(from: rank - 2, through: 0, by: -1) {
                        from += (rest % sizes[axis]) * strides[axis]
                        rest /= sizes[axis]
                    }
                    let to = destination + row * inner
                    switch innerStride {
                    case 1: to.update(from: source + from, count: inner)
                    case 0: to.update(repeating: source[from], count: inner)
                    default: for k in 0..<inner { to[k] = source[from + k * innerStride] }
                    }
                }
            }
        }
    }
}
