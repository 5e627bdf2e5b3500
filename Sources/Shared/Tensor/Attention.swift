internal import CBLAS
import Foundation

/// Multi-head scaled dot-product self-attention over packed projections.
///
/// Work is split over (image, head) pairs. Each thread copies its head's q, k and v into
/// contiguous [T, hd] blocks (OpenBLAS runs these K = 64 products about 10% faster than on
/// the strided columns), runs single-threaded sgemm for S = Q K^T / sqrt(hd) ([T, T], the
/// only score matrix it holds), E = exp(S - row max), O = E V, and writes O's rows divided
/// by their sums of E into its head's columns of the output.
public enum Attention {
    /// qkv: [B*S, 3*D] with each row q | k | v (D = heads * hd, head h in columns
    /// h*hd..<(h+1)*hd of each part); sequence b is rows b*S..<b*S+T (S = `stride` >= T,
    /// nil: T; the rows past T are padding, neither read nor written); out: [B*S, D].
    /// `causal` masks key j > query i.
    public static func selfAttention(qkv: Tensor, batch: Int, tokens: Int, stride: Int? = nil, heads: Int,
                                     causal: Bool, threads: Int, into out: inout Tensor) {
        let width3 = qkv.rowLength, width = width3 / 3
        precondition(width3 % 3 == 0 && heads > 0 && width % heads == 0,
                     "attention: row of \(width3) is not 3 x \(heads) heads")
        let stride = stride ?? tokens
        precondition(stride >= tokens && qkv.rowCount == batch * stride,
                     "attention: \(qkv.rowCount) rows for \(batch) x \(tokens) tokens (stride \(stride))")
        RowKernels.resize(&out, rows: batch * stride, width: width)
        let hd = width / heads, t = tokens, pairs = batch * heads
        if pairs == 0 || t == 0 { return }
        let scale = 1 / Float(hd).squareRoot()
        let workers = max(1, min(threads, pairs))
        let saved = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = saved }
        qkv.data.withUnsafeBufferPointer { pq in
            out.data.withUnsafeMutableBufferPointer { po in
                let src = SharedPointer(base: pq.baseAddress!), dst = SharedMutablePointer(base: po.baseAddress!)
                let body: @Sendable (Int) -> Void = { worker in
                    // Per thread: the head's scores [T, T], its q, k, v and output [T, hd]
                    // each, and the rows' 1 / sum.
                    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: t * t + 4 * t * hd + t)
                    defer { buffer.deallocate() }
                    let s = buffer, qh = s + t * t, kh = qh + t * hd, vh = kh + t * hd, oh = vh + t * hd
                    let inverseSums = oh + t * hd
                    var pair = worker
                    while pair < pairs {
                        let b = pair / heads, h = pair % heads
                        let q = src.base + b * stride * width3 + h * hd
                        let o = dst.base + b * stride * width + h * hd
                        for i in 0..<t {
                            (qh + i * hd).update(from: q + i * width3, count: hd)
                            (kh + i * hd).update(from: q + i * width3 + width, count: hd)
                            (vh + i * hd).update(from: q + i * width3 + 2 * width, count: hd)
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(hd),
                                    scale, qh, Int32(hd), kh, Int32(hd), 0, s, Int32(t))
                        for i in 0..<t { inverseSums[i] = VectorMath.softmaxNumerators(s + i * t, count: causal ? i + 1 : t, total: t) }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(hd), Int32(t),
                                    1, s, Int32(t), vh, Int32(hd), 0, oh, Int32(hd))
                        for i in 0..<t { scaleRow(oh + i * hd, by: inverseSums[i], count: hd, into: o + i * width) }
                        pair += workers
                    }
                }
                if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
            }
        }
    }

    /// out[0..<count] = row[0..<count] * factor (count a multiple of 8 or not).
    @inline(__always)
    static func scaleRow(_ row: UnsafePointer<Float>, by factor: Float, count: Int, into out: UnsafeMutablePointer<Float>) {
        let f = SIMD8<Float>(repeating: factor)
        var j = 0
        while j + 8 <= count { RowKernels.store(RowKernels.load(row + j) * f, out + j); j += 8 }
        while j < count { out[j] = row[j] * factor; j += 1 }
    }
}
