import CBLAS
import ZooCore

/// Row-major single-precision matrix products through OpenBLAS.
///
/// OpenBLAS runs single-threaded here (the first ``Executor`` of a process sets it and stops
/// OpenBLAS's own threads, `zoo_blas_single_threaded`), and large products are
/// split into blocks of rows or columns whose boundaries depend only on the matrix sizes, spread
/// over the executor's threads. OpenBLAS's own threading groups the sums over `k` differently for
/// different thread counts; splitting this way keeps every output element's arithmetic the same
/// whatever the thread count.
enum BLAS {
    /// Columns per block when the columns are split.
    static let columnBlock = 256
    /// Rows per block when the rows are split.
    static let rowBlock = 64
    /// Outputs per block of a transposed matrix-vector product (`y = A^T x`, a dense weight
    /// `[in, out]`): each block reads `inputs` strided row pieces of this many floats, and pieces
    /// shorter than a few KiB defeat the hardware prefetcher (VGG-16's fc1 took 71 ms in blocks
    /// of 64 outputs, 35 ms in blocks of 512 and 24 ms in blocks of 2,048, as fast as the
    /// untransposed product; measured on this machine).
    static let transposedOutputBlock = 2048

    /// `C = A B` for row-major `A` (`m x k`, leading dimension `lda`), `B` (`k x n`, or `n x k`
    /// when `transposeB`) and `C` (`m x n`), on one thread. An empty sum (`k = 0`) gives zeros
    /// (OpenBLAS would refuse the zero leading dimensions and leave `C` as it was).
    static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard k > 0 else {
            for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
            return
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// `C = A B` (`A` not transposed; `B` transposed when `transposeB`) split into blocks over
    /// `threads`: column blocks of ``columnBlock`` when `n` has at least two, else row blocks of
    /// ``rowBlock``.
    static func parallelGemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        if n >= 2 * columnBlock {
            let blocks = (n + columnBlock - 1) / columnBlock
            Parallel.forEach(blocks, threads: threads) { range in
                for block in range {
                    let first = block * columnBlock, count = min(columnBlock, n - first)
                    gemm(
                        m: m, n: count, k: k, a: a, lda: lda,
                        b: transposeB ? b + first * ldb : b + first, ldb: ldb, transposeB: transposeB,
                        c: c + first, ldc: ldc)
                }
            }
        } else if m >= 2 * rowBlock {
            let blocks = (m + rowBlock - 1) / rowBlock
            Parallel.forEach(blocks, threads: threads) { range in
                for block in range {
                    let first = block * rowBlock, count = min(rowBlock, m - first)
                    gemm(m: count, n: n, k: k, a: a + first * lda, lda: lda, b: b, ldb: ldb, transposeB: transposeB, c: c + first * ldc, ldc: ldc)
                }
            }
        } else {
            gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc)
        }
    }

    /// `y = A x` for a row-major `outputs x inputs` matrix `A`, or `y = A^T x` for a row-major
    /// `inputs x outputs` matrix when `transposed`, split into blocks of ``rowBlock`` outputs
    /// (``transposedOutputBlock`` when transposed) over `threads`.
    static func parallelGemv(
        outputs: Int, inputs: Int, a: UnsafePointer<Float>, transposed: Bool = false, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        threads: Int
    ) {
        guard inputs > 0 else {
            y.update(repeating: 0, count: outputs)
            return
        }
        let width = transposed ? transposedOutputBlock : rowBlock
        let blocks = (outputs + width - 1) / width
        Parallel.forEach(blocks, threads: threads) { range in
            for block in range {
                let first = block * width, count = min(width, outputs - first)
                if transposed {
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(inputs), Int32(count), 1, a + first, Int32(outputs), x, 1, 0, y + first, 1)
                } else {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(count), Int32(inputs), 1, a + first * inputs, Int32(inputs), x, 1, 0, y + first, 1)
                }
            }
        }
    }

    /// Checks that every size a kernel passes to OpenBLAS fits its 32-bit integers.
    static func checkSizes(_ sizes: [Int], op: String) throws {
        for size in sizes where size > Int(Int32.max) {
            throw ZooError(
                .unsupported,
                "\(op) matrix sizes must fit OpenBLAS's 32-bit integers (at most \(Int32.max)). Received: \(sizes).")
        }
    }
}
