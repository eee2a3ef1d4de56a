import ZooCore

/// NumPy matrix product: for every broadcast batch index, `Y[b] = A[b'] B[b'']` over the last two
/// axes (`[M, K] x [K, N]`), one `sgemm` each; a rank-1 operand is a row (A) or column (B) matrix.
struct MatMulKernel: Kernel {
    private let m: Int, k: Int, n: Int
    /// Per output batch element, the offsets of its A and B matrices.
    private let offsets: [(a: Int, b: Int)]
    private let outputShape: [Int]

    init(a: [Int], b: [Int], output: [Int]) throws {
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
        self.m = m
        self.k = k
        self.n = n
        let batchA = Array(a2.dropLast(2)), batchB = Array(b2.dropLast(2))
        let rank = max(batchA.count, batchB.count)
        let paddedA = Array(repeating: 1, count: rank - batchA.count) + batchA
        let paddedB = Array(repeating: 1, count: rank - batchB.count) + batchB
        let batch = zip(paddedA, paddedB).map { max($0, $1) }
        let stridesA = contiguousStrides(paddedA).enumerated().map { paddedA[$0.offset] == 1 ? 0 : $0.element * m * k }
        let stridesB = contiguousStrides(paddedB).enumerated().map { paddedB[$0.offset] == 1 ? 0 : $0.element * k * n }
        let count = batch.reduce(1, *)
        var offsets: [(Int, Int)] = []
        offsets.reserveCapacity(count)
        var index = Array(repeating: 0, count: rank)
        for _ in 0..<count {
            var offsetA = 0, offsetB = 0
            for axis in 0..<rank {
                offsetA += index[axis] * stridesA[axis]
                offsetB += index[axis] * stridesB[axis]
            }
            offsets.append((offsetA, offsetB))
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < batch[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        self.offsets = offsets
        outputShape = output
        try BLAS.checkSizes([m, k, n], op: MatMul.info.name)
    }

    var algorithm: String { "sgemm (OpenBLAS)" }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let a = inputs[0].elements, b = inputs[1].elements
        return try context.tensor(shape: outputShape) { y in
            guard let aBase = a.baseAddress, let bBase = b.baseAddress, let yBase = y.baseAddress else {
                y.initialize(repeating: 0)
                return
            }
            for (index, offset) in offsets.enumerated() {
                BLAS.parallelGemm(
                    m: m, n: n, k: k, a: aBase + offset.a, lda: k, b: bBase + offset.b, ldb: n, c: yBase + index * m * n, ldc: n,
                    threads: context.threads)
            }
        }
    }
}
