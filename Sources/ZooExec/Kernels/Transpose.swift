import ZooCore

/// Axis permutation: `Y[i_0, ..., i_{r-1}] = X[j]` with `j[perm[k]] = i_k` (no permutation:
/// the axes reversed). Each output row (the last output axis) gathers with the input stride of
/// the axis it comes from.
struct TransposeKernel: Kernel {
    private let outputShape: [Int]
    /// The input stride of each output axis.
    private let strides: [Int]

    init(_ transpose: Transpose, input: [Int], output: [Int]) {
        let permutation = transpose.permutation ?? Array(input.indices.reversed())
        let inputStrides = contiguousStrides(input)
        strides = permutation.map { inputStrides[$0] }
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let shape = outputShape, strides = strides
        let rank = shape.count
        guard rank > 0 else { return try Tensor(shape: shape, storage: inputs[0].storage) }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        let rows = shape.dropLast().reduce(1, *)
        return try context.tensor(shape: shape) { y in
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 8192 / max(inner, 1))) { range in
                for row in range {
                    var source = 0, rest = row
                    for axis in stride(from: rank - 2, through: 0, by: -1) {
                        source += (rest % shape[axis]) * strides[axis]
                        rest /= shape[axis]
                    }
                    let out = row * inner
                    for k in 0..<inner { y[out + k] = x[source + k * innerStride] }
                }
            }
        }
    }
}
