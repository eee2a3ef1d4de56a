import ZooCore

/// Fully connected: `Y[m, o] = B[o] + sum_i X[m, i] W[o, i]` over the rows `m` of the input's
/// leading axes, as `sgemm` (`X W^T` for a weight `[out, in]`, `X W` for `[in, out]`; `sgemv`
/// for a single row) in blocks over the threads, then the bias and a fused activation.
struct DenseKernel: Kernel {
    private let weight: Tensor
    private let weightOrder: Dense.WeightOrder
    private let bias: Tensor?
    private let epilogue: (any Epilogue)?
    private let rows: Int, features: Int, units: Int
    private let outputShape: [Int]

    init(_ dense: Dense, input: [Int], output: [Int], epilogue: (any Epilogue)?) throws {
        weight = dense.weight
        weightOrder = dense.weightOrder
        bias = dense.bias
        self.epilogue = epilogue
        features = input.last ?? 0
        units = dense.units
        rows = input.dropLast().reduce(1, *)
        outputShape = output
        try BLAS.checkSizes([rows, features, units], op: Dense.info.name)
    }

    var algorithm: String { rows == 1 ? "sgemv (OpenBLAS)" : "sgemm (OpenBLAS)" }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements, w = weight.elements
        return try context.tensor(shape: outputShape) { y in
            guard let xBase = x.baseAddress, let wBase = w.baseAddress, let yBase = y.baseAddress else {
                y.initialize(repeating: 0)
                return
            }
            let outIn = weightOrder == .outIn
            if rows == 1 {
                BLAS.parallelGemv(outputs: units, inputs: features, a: wBase, transposed: !outIn, x: xBase, y: yBase, threads: context.threads)
            } else {
                BLAS.parallelGemm(
                    m: rows, n: units, k: features, a: xBase, lda: features, b: wBase, ldb: outIn ? features : units, transposeB: outIn,
                    c: yBase, ldc: units, threads: context.threads)
            }
            let biasValues = bias?.elements
            guard biasValues != nil || epilogue != nil else { return }
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 4096 / max(units, 1))) { range in
                for row in range {
                    let slice = UnsafeMutableBufferPointer(rebasing: y[(row * units)..<((row + 1) * units)])
                    if let biasValues {
                        for k in slice.indices { slice[k] += biasValues[k] }
                    }
                    epilogue?.apply(slice)
                }
            }
        }
    }
}
