import CZooKernels
import ZooCore

/// Axis permutation: `Y[i_0, ..., i_{r-1}] = X[j]` with `j[perm[k]] = i_k` (no permutation:
/// the axes reversed). A permutation that keeps some leading axes and swaps the two groups of
/// axes after them (`[0, 3, 1, 2]`, channels-last images to channels-first, and back) is a batch
/// of matrix transposes, which CZooKernels computes (`zoo_kernels_transpose_matrices`); any other
/// gathers each output row (the last output axis) with the input stride of the axis it comes from.
struct TransposeKernel: Kernel {
    private let outputShape: [Int]
    /// The input stride of each output axis.
    private let strides: [Int]
    /// The batch of matrices the permutation is, if it is one.
    private let matrices: (count: Int, rows: Int, columns: Int)?
    private let instructionSet: InstructionSet

    init(_ transpose: Transpose, input: [Int], output: [Int], instructionSet: InstructionSet) {
        let permutation = transpose.permutation ?? Array(input.indices.reversed())
        let inputStrides = contiguousStrides(input)
        strides = permutation.map { inputStrides[$0] }
        outputShape = output
        self.instructionSet = instructionSet
        matrices = Self.matrices(permutation, input: input)
    }

    /// `permutation` as `count` transposes of `rows x columns` matrices: the axes before `kept`
    /// unmoved, then the input's axes `split ..< rank` followed by `kept ..< split`.
    private static func matrices(_ permutation: [Int], input: [Int]) -> (count: Int, rows: Int, columns: Int)? {
        let rank = permutation.count
        let kept = permutation.indices.first { permutation[$0] != $0 } ?? rank
        guard kept < rank else { return nil }
        let split = permutation[kept]
        guard permutation[kept...] == ArraySlice(Array(split..<rank) + Array(kept..<split)) else { return nil }
        return (input[..<kept].reduce(1, *), input[kept..<split].reduce(1, *), input[split...].reduce(1, *))
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let shape = outputShape, strides = strides
        let rank = shape.count
        guard rank > 0 else { return try Tensor(shape: shape, storage: inputs[0].storage) }
        if let (count, rows, columns) = matrices {
            return try context.tensor(shape: shape) { y in
                guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return }
                let size = rows * columns
                Parallel.forEach(count, threads: context.threads, grain: max(1, 16384 / max(size, 1))) { range in
                    zoo_kernels_transpose_matrices(
                        instructionSet.rawValue, xBase + range.lowerBound * size, range.count, rows, columns, yBase + range.lowerBound * size)
                }
            }
        }
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
