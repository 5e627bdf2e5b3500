internal import CBLAS
import Foundation

/// Multi-head scaled dot-product self-attention over packed projections.
///
/// Work is split over (image, head) pairs: each thread runs single-threaded sgemm for
/// S = Q K^T / sqrt(hd) ([T, T], the only score matrix it holds), a row softmax, and
/// O = S V written straight into its head's columns of the output. So at most one head's
/// scores exist per thread at a time, and no Q/K/V copies are made.
public enum Attention {
    /// qkv: [B*T, 3*D] with each row q | k | v (D = heads * hd, head h in columns
    /// h*hd..<(h+1)*hd of each part); out: [B*T, D]. `causal` masks key j > query i.
    public static func selfAttention(qkv: Tensor, batch: Int, tokens: Int, heads: Int, causal: Bool,
                                     threads: Int, into out: inout Tensor) {
        let width3 = qkv.rowLength, width = width3 / 3
        precondition(width3 % 3 == 0 && heads > 0 && width % heads == 0,
                     "attention: row of \(width3) is not 3 x \(heads) heads")
        precondition(qkv.rowCount == batch * tokens, "attention: \(qkv.rowCount) rows for \(batch) x \(tokens) tokens")
        RowKernels.resize(&out, rows: batch * tokens, width: width)
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
                    var scores = [Float](repeating: 0, count: t * t)
                    scores.withUnsafeMutableBufferPointer { ps in
                        let s = ps.baseAddress!
                        var pair = worker
                        while pair < pairs {
                            let b = pair / heads, h = pair % heads
                            let q = src.base + b * t * width3 + h * hd
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(hd),
                                        scale, q, Int32(width3), q + width, Int32(width3), 0, s, Int32(t))
                            for i in 0..<t { softmaxRow(s + i * t, count: causal ? i + 1 : t, total: t) }
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(hd), Int32(t),
                                        1, s, Int32(t), q + 2 * width, Int32(width3), 0,
                                        dst.base + b * t * width + h * hd, Int32(width))
                            pair += workers
                        }
                    }
                }
                if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
            }
        }
    }

    /// Softmax over row[0..<count]; row[count..<total] is set to 0 (masked keys).
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count n: Int, total: Int) {
        typealias V = SIMD8<Float>
        var vmax = V(repeating: -.infinity)
        var j = 0
        while j + 8 <= n {
            let v = RowKernels.load(row + j)
            vmax.replace(with: v, where: v .> vmax)
            j += 8
        }
        var m = vmax.max()
        while j < n { m = max(m, row[j]); j += 1 }
        let vm = V(repeating: m)
        var acc = V(repeating: 0)
        j = 0
        while j + 8 <= n {
            let e = FastMath.exp(RowKernels.load(row + j) - vm)
            RowKernels.store(e, row + j)
            acc += e
            j += 8
        }
        var sum = acc.sum()
        while j < n { let e = FastMath.exp(row[j] - m); row[j] = e; sum += e; j += 1 }
        let inv = V(repeating: 1 / sum)
        j = 0
        while j + 8 <= n { RowKernels.store(RowKernels.load(row + j) * inv, row + j); j += 8 }
        while j < n { row[j] *= inv[0]; j += 1 }
        var k = n
        while k < total { row[k] = 0; k += 1 }
    }
}
