internal import CBLAS
import Foundation

/// OpenBLAS, behind a safe interface: every call checks that the matrices it touches lie
/// inside the arrays it was given, so callers above `Tensor` never handle pointers.
public enum BLAS {
    /// Threads OpenBLAS may use in this process (all calls share them).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The OpenBLAS kernel in use (for example "Haswell"); bitwise results are only
    /// promised between processes that use the same one.
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Advice when OpenBLAS runs its generic Prescott kernels (SSE3, no AVX) on a CPU with
    /// AVX2, as it does for CPU models it does not know (a newer Xeon than the library, a
    /// hypervisor's generic model): its matrix products then run at about a third of the
    /// CPU's speed (docs/BENCHMARKS.md, "Float16 features", has both). nil otherwise.
    public static var kernelAdvice: String? {
        guard coreName == "Prescott", VectorMath.usesAVX2 else { return nil }
        return "OpenBLAS picked its generic Prescott kernels on this CPU, which has AVX2: matrix products run at about a third of its speed. Set OPENBLAS_CORETYPE=Haswell (SkylakeX where the CPU has AVX-512) for every process of the run alike: results are only bitwise the same between processes on the same kernels"
    }

    /// C = alpha * op(A) * op(B) + beta * C, row-major.
    ///
    /// op(A) is m x k, op(B) is k x n, C is m x n. `lda`, `ldb`, `ldc` are the row strides
    /// of A, B and C as stored (A stored k x m when transposed). Offsets say where each
    /// matrix starts inside its array, so sub-matrices are multiplied without copies.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: [Float], aOffset: Int = 0, lda: Int? = nil,
        b: [Float], bOffset: Int = 0, ldb: Int? = nil,
        beta: Float = 0,
        c: inout [Float], cOffset: Int = 0, ldc: Int? = nil
    ) {
        c.withUnsafeMutableBufferPointer { pc in
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                  a: a, aOffset: aOffset, lda: lda, b: b, bOffset: bOffset, ldb: ldb,
                  beta: beta, c: pc, cOffset: cOffset, ldc: ldc)
        }
    }

    /// The same into a buffer (for outputs made without a zeroing pass; with beta = 0
    /// every value of C is written, whatever the buffer held).
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: [Float], aOffset: Int = 0, lda: Int? = nil,
        b: [Float], bOffset: Int = 0, ldb: Int? = nil,
        beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>, cOffset: Int = 0, ldc: Int? = nil
    ) {
        let lda = lda ?? max(1, transA ? m : k)
        let ldb = ldb ?? max(1, transB ? k : n)
        let ldc = ldc ?? max(1, n)
        if m == 0 || n == 0 { return }
        checkMatrix("C", c.count, cOffset, rows: m, cols: n, ld: ldc)
        if k == 0 {
            // BLAS leaves C untouched for k = 0 only when beta = 1; make the math hold
            // (and beta = 0 clear whatever was there, NaN included).
            for i in 0..<m { for j in 0..<n { c[cOffset + i * ldc + j] = beta == 0 ? 0 : c[cOffset + i * ldc + j] * beta } }
            return
        }
        checkMatrix("A", a.count, aOffset, rows: transA ? k : m, cols: transA ? m : k, ld: lda)
        checkMatrix("B", b.count, bOffset, rows: transB ? n : k, cols: transB ? k : n, ld: ldb)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                cblas_sgemm(CblasRowMajor,
                            transA ? CblasTrans : CblasNoTrans,
                            transB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), alpha,
                            pa.baseAddress! + aOffset, Int32(lda),
                            pb.baseAddress! + bOffset, Int32(ldb), beta,
                            c.baseAddress! + cOffset, Int32(ldc))
            }
        }
    }

    /// y += alpha * x over `count` elements.
    public static func axpy(_ alpha: Float, x: [Float], xOffset: Int = 0,
                            y: inout [Float], yOffset: Int = 0, count: Int) {
        precondition(xOffset >= 0 && xOffset + count <= x.count, "axpy: x range")
        precondition(yOffset >= 0 && yOffset + count <= y.count, "axpy: y range")
        if count == 0 { return }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                cblas_saxpy(Int32(count), alpha, px.baseAddress! + xOffset, 1,
                            py.baseAddress! + yOffset, 1)
            }
        }
    }

    private static func checkMatrix(_ name: String, _ size: Int, _ offset: Int,
                                    rows: Int, cols: Int, ld: Int) {
        precondition(ld >= max(1, cols), "sgemm: leading dimension of \(name) (\(ld)) < \(cols)")
        precondition(offset >= 0, "sgemm: negative offset for \(name)")
        if rows > 0 && cols > 0 {
            precondition(offset + (rows - 1) * ld + cols <= size,
                         "sgemm: \(name) (\(rows) x \(cols), ld \(ld), offset \(offset)) exceeds its \(size) values")
        }
    }
}

extension Tensor {
    /// op(self) @ op(other) for 2-D tensors: [m, k] x [k, n] -> [m, n].
    public func matmul(_ other: Tensor, transposeSelf: Bool = false,
                       transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs 2-D tensors: \(shape), \(other.shape)")
        let (m, k) = transposeSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (k2, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(k == k2, "matmul: inner dimensions \(k) and \(k2) differ (\(shape) x \(other.shape))")
        // beta = 0: the product overwrites every value, so no zeroing pass first.
        return Tensor(shape: [m, n]) { out in
            BLAS.sgemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                       a: data, lda: shape[1], b: other.data, ldb: other.shape[1], c: out)
        }
    }

    /// Batched product: [B, m, k] x [B, k, n] -> [B, m, n] (or `other` shared, [k, n]).
    public func batchedMatmul(_ other: Tensor, transposeSelf: Bool = false,
                              transposeOther: Bool = false) -> Tensor {
        precondition(rank == 3, "batchedMatmul needs [B, m, k], got \(shape)")
        let batch = shape[0]
        let shared = other.rank == 2
        precondition(shared || (other.rank == 3 && other.shape[0] == batch),
                     "batchedMatmul: \(shape) with \(other.shape)")
        let (m, k) = transposeSelf ? (shape[2], shape[1]) : (shape[1], shape[2])
        let os = shared ? other.shape : Array(other.shape.dropFirst())
        let (k2, n) = transposeOther ? (os[1], os[0]) : (os[0], os[1])
        precondition(k == k2, "batchedMatmul: inner dimensions \(k) and \(k2) differ")
        var out = Tensor(zeros: [batch, m, n])
        let aStride = m * k, bStride = shared ? 0 : k * n, cStride = m * n
        if !transposeSelf && shared && !transposeOther {
            // One GEMM over all batches at once: [B*m, k] x [k, n].
            BLAS.sgemm(m: batch * m, n: n, k: k, a: data, b: other.data, c: &out.data)
            return out
        }
        for i in 0..<batch {
            BLAS.sgemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                       a: data, aOffset: i * aStride, lda: shape[2],
                       b: other.data, bOffset: i * bStride, ldb: os[1],
                       c: &out.data, cOffset: i * cStride)
        }
        return out
    }
}
