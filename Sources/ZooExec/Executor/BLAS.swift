import CBLAS
import ZooCore

/// Row-major single-precision matrix products through OpenBLAS.
enum BLAS {
    /// `C = A B + beta C` for row-major `A` (`m x k`, leading dimension `lda`, transposed when
    /// `transposeA`), `B` (`k x n`, or `n x k` when `transposeB`) and `C` (`m x n`).
    static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
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
