import Foundation

/// The elementwise activation applied after a bias in a transformer MLP.
public enum ActivationKind: String, Sendable, CaseIterable {
    /// x * sigmoid(1.702 x), OpenAI CLIP's activation.
    case quickGelu = "quick_gelu"
    /// Exact GELU, x * Phi(x) (open_clip models trained with nn.GELU).
    case gelu
}

/// Fused, vectorized, multi-threaded row passes for the frozen encoders: layer norm, bias
/// plus activation, bias plus layer norm. A "row" is the last dimension of a tensor; every
/// function checks shapes and resizes its output itself, so callers hand in reusable
/// buffers without arithmetic on sizes.
public enum RowKernels {
    typealias V = SIMD8<Float>

    /// out[i] = layerNorm(x[rows[i]]) * gamma + beta, or over every row when `rows` is nil.
    /// x: [.., n]; out: [rows.count, n] (or x's row count).
    public static func layerNorm(_ x: Tensor, rows: [Int]? = nil, gamma: Tensor, beta: Tensor,
                                 eps: Float = 1e-5, threads: Int, into out: inout Tensor) {
        let n = x.rowLength
        precondition(gamma.count == n && beta.count == n, "layer norm: affine of \(gamma.count) for rows of \(n)")
        let outRows = rows?.count ?? x.rowCount
        if let rows {
            precondition(rows.allSatisfy { $0 >= 0 && $0 < x.rowCount }, "layer norm: row index out of range")
        }
        resize(&out, rows: outRows, width: n)
        x.data.withUnsafeBufferPointer { px in
            out.data.withUnsafeMutableBufferPointer { po in
                gamma.data.withUnsafeBufferPointer { pg in
                    beta.data.withUnsafeBufferPointer { pb in
                        let src = SharedPointer(base: px.baseAddress!), dst = SharedMutablePointer(base: po.baseAddress!)
                        let g = SharedPointer(base: pg.baseAddress!), b = SharedPointer(base: pb.baseAddress!)
                        Parallel.forEachRange(count: outRows, threads: threads, minimumPerThread: 16) { range in
                            for r in range {
                                let s = rows.map { $0[r] } ?? r
                                normalize(src.base + s * n, into: dst.base + r * n, n: n,
                                          gamma: g.base, beta: b.base, eps: eps)
                            }
                        }
                    }
                }
            }
        }
    }

    /// x[r] += bias for every row (when `bias` is given), then out[r] = layerNorm(x[r]).
    /// x keeps the biased values (it is the residual stream). x: [.., n]; out: like x.
    public static func addBiasLayerNorm(_ x: inout Tensor, bias: Tensor?, gamma: Tensor, beta: Tensor,
                                        eps: Float = 1e-5, threads: Int, into out: inout Tensor) {
        let n = x.rowLength, rowCount = x.rowCount
        precondition(gamma.count == n && beta.count == n, "layer norm: affine of \(gamma.count) for rows of \(n)")
        precondition(bias == nil || bias?.count == n, "bias of \(bias?.count ?? 0) for rows of \(n)")
        resize(&out, rows: rowCount, width: n)
        let biasValues = bias?.data ?? [Float](repeating: 0, count: n)
        x.data.withUnsafeMutableBufferPointer { px in
            out.data.withUnsafeMutableBufferPointer { po in
                gamma.data.withUnsafeBufferPointer { pg in
                    beta.data.withUnsafeBufferPointer { pb in
                        biasValues.withUnsafeBufferPointer { pbias in
                            let src = SharedMutablePointer(base: px.baseAddress!), dst = SharedMutablePointer(base: po.baseAddress!)
                            let g = SharedPointer(base: pg.baseAddress!), b = SharedPointer(base: pb.baseAddress!)
                            let add = SharedPointer(base: pbias.baseAddress!)
                            let hasBias = bias != nil
                            Parallel.forEachRange(count: rowCount, threads: threads, minimumPerThread: 16) { range in
                                for r in range {
                                    let row = src.base + r * n
                                    if hasBias { addInPlace(row, add.base, n: n) }
                                    normalize(row, into: dst.base + r * n, n: n, gamma: g.base, beta: b.base, eps: eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// x[r] = activation(x[r] + bias) in place (no activation: just the bias). x: [.., n]
    public static func addBiasActivation(_ x: inout Tensor, bias: Tensor, activation: ActivationKind?,
                                         threads: Int) {
        let n = x.rowLength, rowCount = x.rowCount
        precondition(bias.count == n, "bias of \(bias.count) for rows of \(n)")
        x.data.withUnsafeMutableBufferPointer { px in
            bias.data.withUnsafeBufferPointer { pb in
                let rowsPtr = SharedMutablePointer(base: px.baseAddress!), add = SharedPointer(base: pb.baseAddress!)
                Parallel.forEachRange(count: rowCount, threads: threads, minimumPerThread: 4) { range in
                    for r in range {
                        let row = rowsPtr.base + r * n
                        addInPlace(row, add.base, n: n)
                        if let activation { activateRow(row, n: n, activation) }
                    }
                }
            }
        }
    }

    /// x = activation(x) in place. x: [.., n]
    public static func activate(_ x: inout Tensor, _ activation: ActivationKind, threads: Int) {
        let n = x.rowLength
        addBiasActivation(&x, bias: Tensor(zeros: [n]), activation: activation, threads: threads)
    }

    // MARK: - One row

    static func resize(_ t: inout Tensor, rows: Int, width: Int) {
        if t.count == rows * width {
            t.shape = [rows, width]
        } else {
            t = Tensor(zeros: [rows, width])
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    @inline(__always)
    static func addInPlace(_ row: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, n: Int) {
        var j = 0
        while j + 8 <= n { store(load(row + j) + load(bias + j), row + j); j += 8 }
        while j < n { row[j] += bias[j]; j += 1 }
    }

    /// dst = (src - mean) / sqrt(var + eps) * gamma + beta, two-pass statistics.
    @inline(__always)
    static func normalize(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, n: Int,
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        var acc = V(repeating: 0)
        var j = 0
        while j + 8 <= n { acc += load(src + j); j += 8 }
        var sum = acc.sum()
        while j < n { sum += src[j]; j += 1 }
        let mean = sum / Float(n)
        let m = V(repeating: mean)
        acc = V(repeating: 0)
        j = 0
        while j + 8 <= n { let d = load(src + j) - m; acc += d * d; j += 8 }
        var sq = acc.sum()
        while j < n { let d = src[j] - mean; sq += d * d; j += 1 }
        let inv = 1 / (sq / Float(n) + eps).squareRoot()
        let vinv = V(repeating: inv)
        j = 0
        while j + 8 <= n {
            store((load(src + j) - m) * vinv * load(gamma + j) + load(beta + j), dst + j)
            j += 8
        }
        while j < n { dst[j] = (src[j] - mean) * inv * gamma[j] + beta[j]; j += 1 }
    }

    /// row[0..<n] = activation(row[0..<n]) in place: QuickGELU x sigmoid(1.702 x) by the
    /// vector kernel (`VectorMath`), GELU x Phi(x) with erf from the C library (not a fast
    /// path).
    static func activateRow(_ row: UnsafeMutablePointer<Float>, n: Int, _ activation: ActivationKind) {
        switch activation {
        case .quickGelu:
            VectorMath.quickGelu(row, count: n)
        case .gelu:
            for j in 0..<n { row[j] = gelu(row[j]) }
        }
    }

    @inline(__always)
    static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.707_106_781_186_547_5)) }
}
