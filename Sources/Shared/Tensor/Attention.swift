internal import CVectorMath
import Foundation

/// Multi-head scaled dot-product self-attention over packed projections.
///
/// Work is split over (image, head) pairs; each pair is one call of the fused C kernel
/// (Sources/CVectorMath/attention.c), which packs the head's keys and values once and then,
/// six query rows at a time, computes their scores, softmax and weighted values while the
/// scores are in the cache. A row's result is the same bits whatever the batch, the thread
/// count or the CPU (the AVX2 + FMA and baseline builds agree).
public enum Attention {
    /// qkv: [B*S, 3*D] with each row q | k | v (D = heads * hd, head h in columns
    /// h*hd..<(h+1)*hd of each part); sequence b is rows b*S..<b*S+T (S = `stride` >= T,
    /// nil: T; the rows past T are padding, neither read nor written); out: [B*S, D].
    /// `causal` masks key j > query i.
    public static func selfAttention(qkv: Tensor, batch: Int, tokens: Int, stride: Int? = nil, heads: Int,
                                     causal: Bool, threads: Int, into out: inout Tensor) {
        run(uad_attention_head, qkv: qkv, batch: batch, tokens: tokens, stride: stride, heads: heads, causal: causal,
            threads: threads, into: &out)
    }

    /// Whether this CPU runs the kernel's AVX2 + FMA build (for benchmark reports).
    public static var usesAVX2: Bool { uad_attention_uses_avx2() != 0 }

    /// `selfAttention` through the kernel's baseline build, whatever the CPU (to check
    /// that both builds agree).
    static func selfAttentionBaseline(qkv: Tensor, batch: Int, tokens: Int, heads: Int, causal: Bool,
                                      into out: inout Tensor) {
        run(uad_attention_head_baseline, qkv: qkv, batch: batch, tokens: tokens, stride: nil, heads: heads,
            causal: causal, threads: 1, into: &out)
    }

    typealias HeadKernel = @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, Int, Int,
                                           Int, Float, Int32, UnsafeMutablePointer<Float>?, Int,
                                           UnsafeMutablePointer<Float>?) -> Void

    static func run(_ kernel: HeadKernel, qkv: Tensor, batch: Int, tokens: Int, stride: Int?, heads: Int,
                    causal: Bool, threads: Int, into out: inout Tensor) {
        let width3 = qkv.rowLength, width = width3 / 3
        precondition(width3 % 3 == 0 && heads > 0 && width % heads == 0,
                     "attention: row of \(width3) is not 3 x \(heads) heads")
        let stride = stride ?? tokens
        precondition(stride >= tokens && qkv.rowCount == batch * stride,
                     "attention: \(qkv.rowCount) rows for \(batch) x \(tokens) tokens (stride \(stride))")
        RowKernels.resize(&out, rows: batch * stride, width: width)
        let hd = width / heads, t = tokens, pairs = batch * heads
        if pairs == 0 || t == 0 || hd == 0 { return }
        let scale = 1 / Float(hd).squareRoot()
        let workers = max(1, min(threads, pairs))
        let scratch = uad_attention_scratch(t, hd)
        qkv.data.withUnsafeBufferPointer { pq in
            out.data.withUnsafeMutableBufferPointer { po in
                let src = SharedPointer(base: pq.baseAddress!), dst = SharedMutablePointer(base: po.baseAddress!)
                let body: @Sendable (Int) -> Void = { worker in
                    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: scratch)
                    defer { buffer.deallocate() }
                    var pair = worker
                    while pair < pairs {
                        let b = pair / heads, h = pair % heads
                        let q = src.base + b * stride * width3 + h * hd
                        kernel(q, q + width, q + 2 * width, width3, t, hd, scale, causal ? 1 : 0,
                               dst.base + b * stride * width + h * hd, width, buffer)
                        pair += workers
                    }
                }
                if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
            }
        }
    }
}
