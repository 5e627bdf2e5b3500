import Foundation

/// Row kernels for docs/METHOD.md's patch-to-prompt fusion (steps 3-4), fused row by row.
///
/// For each row z_i of z: [n, d], with two vectors per role (b: [2, d] attention keys,
/// w: [2, d] values, p: [2, d] prompts):
///   zh = z / |z|;  a = softmax(s_a (zh . b_c));  r = zh + sum_c a_c w_c;  zt = r / |r|;
///   m = softmax((zt . p_c) / tau)[1]
/// Each row stays in cache for every step of it; reductions use 8-wide SIMD accumulators
/// (the compiler does not reorder float sums by itself), and each pass over a row carries
/// every dot product it can: 2 passes forward, 4 backward.
///
/// Only zh is kept for the backward: zt is recomputed from zh, a and |r| when needed
/// (two multiply-adds a value), which saves writing one [n, d] array in the forward and
/// reading it back from far caches in the backward; at ViT-L sizes each is 1.8 MB per
/// layer and query, and the backward was waiting on memory, not arithmetic.
public enum TwoVectorAttention {
    public struct Forward: Sendable {
        public var zh: Tensor        // [n, d]
        public var zNorms: [Float]   // [n]
        public var att: Tensor       // [n, 2]
        public var rNorms: [Float]   // [n]
        public var map: [Float]      // [n]
        /// The values w: [2, d], to rebuild zt.
        let w: Tensor

        /// zt: [n, d], rebuilt (for inference's patch memory; the backward does it row by row).
        public var zt: Tensor {
            let n = zh.shape[0], d = zh.shape[1]
            return Tensor(shape: [n, d]) { out in
                zh.data.withUnsafeBufferPointer { zhb in w.data.withUnsafeBufferPointer { wb in
                    for i in 0..<n {
                        TwoVectorAttention.rebuildZt(zh: zhb.baseAddress! + i * d, w0: wb.baseAddress!, w1: wb.baseAddress! + d,
                                                     a0: att.data[2 * i], a1: att.data[2 * i + 1], rinv: 1 / rNorms[i],
                                                     into: out.baseAddress! + i * d, d)
                    }
                } }
            }
        }
    }

    /// `z` is consumed: zh is normalized in its storage (pass it with `consume` so that
    /// no copy of [n, d] is made).
    public static func forward(z: consuming Tensor, b: Tensor, w: Tensor, p: Tensor, attentionScale: Float, invTau: Float) -> Forward {
        let n = z.shape[0], d = z.shape[1]
        precondition(b.shape == [2, d] && w.shape == [2, d] && p.shape == [2, d], "two-vector attention: shapes")
        var out = Forward(zh: consume z, zNorms: [Float](repeating: 0, count: n), att: Tensor(zeros: [n, 2]),
                          rNorms: [Float](repeating: 0, count: n), map: [Float](repeating: 0, count: n), w: w)
        b.data.withUnsafeBufferPointer { bb in w.data.withUnsafeBufferPointer { wb in p.data.withUnsafeBufferPointer { pb in
        out.zh.data.withUnsafeMutableBufferPointer { zhb in out.att.data.withUnsafeMutableBufferPointer { ab in
            let b0 = bb.baseAddress!, b1 = b0 + d, w0 = wb.baseAddress!, w1 = w0 + d
            let p0 = pb.baseAddress!, p1 = p0 + d
            for i in 0..<n {
                let zr = zhb.baseAddress! + i * d
                // Pass 1: |z|^2 and z . b_c together; zh . b_c = (z . b_c) / |z|.
                let (zz, zb0, zb1) = dot3(zr, zr, b0, b1, d)
                let zn = max(zz.squareRoot(), 1e-12), zinv = 1 / zn
                out.zNorms[i] = zn
                let l0 = zb0 * zinv, l1 = zb1 * zinv
                let a1 = 1 / (1 + expf((l0 - l1) * attentionScale)), a0 = 1 - a1
                ab[2 * i] = a0; ab[2 * i + 1] = a1
                // Pass 2: zh = z / |z| in place; r = zh + a0 w0 + a1 w1 only as far as
                // |r|^2 and r . p_c (zt . p_c = (r . p_c) / |r|).
                var rr = SIMD8<Float>(), rp0 = SIMD8<Float>(), rp1 = SIMD8<Float>()
                var j = 0
                while j + 8 <= d {
                    let h = load(zr, j) * zinv
                    store(h, zr, j)
                    let r = h + a0 * load(w0, j) + a1 * load(w1, j)
                    rr += r * r; rp0 += r * load(p0, j); rp1 += r * load(p1, j)
                    j += 8
                }
                var rrs = rr.sum(), rp0s = rp0.sum(), rp1s = rp1.sum()
                while j < d {
                    let h = zr[j] * zinv
                    zr[j] = h
                    let r = h + a0 * w0[j] + a1 * w1[j]
                    rrs += r * r; rp0s += r * p0[j]; rp1s += r * p1[j]
                    j += 1
                }
                let rn = max(rrs.squareRoot(), 1e-12)
                out.rNorms[i] = rn
                out.map[i] = 1 / (1 + expf((rp0s - rp1s) / rn * invTau))
            }
        } } } } }
        return out
    }

    /// Backward of `forward` given dm: [n] (d loss / d map). Returns dz: [n, d] and adds
    /// the gradients of b, w and p (each [2, d]) to db, dw and dp.
    public static func backward(dm: [Float], forward f: Forward, b: Tensor, w: Tensor, p: Tensor,
                                attentionScale: Float, invTau: Float,
                                db: inout Tensor, dw: inout Tensor, dp: inout Tensor) -> Tensor {
        let n = f.zh.shape[0], d = f.zh.shape[1]
        precondition(dm.count == n && db.shape == [2, d] && dw.shape == [2, d] && dp.shape == [2, d], "two-vector attention backward: shapes")
        var dz = Tensor(shape: [n, d]) { _ in }   // every row written below
        var scratch = [Float](repeating: 0, count: 2 * d)   // g and zt of the current row
        b.data.withUnsafeBufferPointer { bb in w.data.withUnsafeBufferPointer { wb in p.data.withUnsafeBufferPointer { pb in
        f.zh.data.withUnsafeBufferPointer { zhb in
        db.data.withUnsafeMutableBufferPointer { dbb in dw.data.withUnsafeMutableBufferPointer { dwb in
        dp.data.withUnsafeMutableBufferPointer { dpb in dz.data.withUnsafeMutableBufferPointer { dzb in
        scratch.withUnsafeMutableBufferPointer { sb in
            let b0 = bb.baseAddress!, b1 = b0 + d, w0 = wb.baseAddress!, w1 = w0 + d
            let p0 = pb.baseAddress!, p1 = p0 + d
            let db0 = dbb.baseAddress!, db1 = db0 + d, dw0 = dwb.baseAddress!, dw1 = dw0 + d
            let dp0 = dpb.baseAddress!, dp1 = dp0 + d
            let g = sb.baseAddress!, zt = g + d
            for i in 0..<n {
                let zh = zhb.baseAddress! + i * d
                let a0 = f.att.data[2 * i], a1 = f.att.data[2 * i + 1], rinv = 1 / f.rNorms[i]
                rebuildZt(zh: zh, w0: w0, w1: w1, a0: a0, a1: a1, rinv: rinv, into: zt, d)
                let m = f.map[i]
                let s = dm[i] * m * (1 - m) * invTau          // ds1 = s, ds0 = -s
                // m = sigmoid(s1 - s0), s_c = zt . p_c / tau. Pass 1: g = d loss / d zt,
                // the prompts' part, and zt . g for the normalization below.
                var c1v = SIMD8<Float>()
                var j = 0
                while j + 8 <= d {
                    let t = load(zt, j), gj = s * (load(p1, j) - load(p0, j))
                    store(gj, g, j)
                    store(load(dp0, j) - s * t, dp0, j)
                    store(load(dp1, j) + s * t, dp1, j)
                    c1v += t * gj
                    j += 8
                }
                var c1 = c1v.sum()
                while j < d {
                    let gj = s * (p1[j] - p0[j])
                    g[j] = gj; dp0[j] -= s * zt[j]; dp1[j] += s * zt[j]
                    c1 += zt[j] * gj
                    j += 1
                }
                // zt = r / |r|. Pass 2: g = d loss / d r, and g . w_c for the attention.
                var da0v = SIMD8<Float>(), da1v = SIMD8<Float>()
                j = 0
                while j + 8 <= d {
                    let gj = (load(g, j) - load(zt, j) * c1) * rinv
                    store(gj, g, j)
                    da0v += gj * load(w0, j); da1v += gj * load(w1, j)
                    j += 8
                }
                var da0 = da0v.sum(), da1 = da1v.sum()
                while j < d {
                    let gj = (g[j] - zt[j] * c1) * rinv
                    g[j] = gj
                    da0 += gj * w0[j]; da1 += gj * w1[j]
                    j += 1
                }
                // r = zh + a0 w0 + a1 w1, a = softmax(s_a (zh . b_c)). Pass 3: the values'
                // and keys' gradients, g = d loss / d zh, and zh . g.
                let mean = a0 * da0 + a1 * da1
                let dl0 = a0 * (da0 - mean) * attentionScale, dl1 = a1 * (da1 - mean) * attentionScale
                var c2v = SIMD8<Float>()
                j = 0
                while j + 8 <= d {
                    let gj = load(g, j), h = load(zh, j)
                    store(load(dw0, j) + a0 * gj, dw0, j)
                    store(load(dw1, j) + a1 * gj, dw1, j)
                    let g2 = gj + dl0 * load(b0, j) + dl1 * load(b1, j)
                    store(g2, g, j)
                    store(load(db0, j) + dl0 * h, db0, j)
                    store(load(db1, j) + dl1 * h, db1, j)
                    c2v += h * g2
                    j += 8
                }
                var c2 = c2v.sum()
                while j < d {
                    let gj = g[j]
                    dw0[j] += a0 * gj; dw1[j] += a1 * gj
                    let g2 = gj + dl0 * b0[j] + dl1 * b1[j]
                    g[j] = g2
                    db0[j] += dl0 * zh[j]; db1[j] += dl1 * zh[j]
                    c2 += zh[j] * g2
                    j += 1
                }
                // zh = z / |z|. Pass 4: d loss / d z.
                let zinv = 1 / f.zNorms[i]
                let out = dzb.baseAddress! + i * d
                for j in 0..<d { out[j] = (g[j] - zh[j] * c2) * zinv }
            }
        } } } } } } } } }
        return dz
    }

    /// One row of zt = (zh + a0 w0 + a1 w1) / |r|, the forward's r to the same bits.
    @inline(__always)
    static func rebuildZt(zh: UnsafePointer<Float>, w0: UnsafePointer<Float>, w1: UnsafePointer<Float>,
                          a0: Float, a1: Float, rinv: Float, into out: UnsafeMutablePointer<Float>, _ d: Int) {
        var j = 0
        while j + 8 <= d {
            store((load(zh, j) + a0 * load(w0, j) + a1 * load(w1, j)) * rinv, out, j)
            j += 8
        }
        while j < d { out[j] = (zh[j] + a0 * w0[j] + a1 * w1[j]) * rinv; j += 1 }
    }

    /// a . x, a . y and a . z in one pass, with 8-wide SIMD accumulators (a fixed order:
    /// deterministic).
    @inline(__always)
    static func dot3(_ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                     _ z: UnsafePointer<Float>, _ n: Int) -> (Float, Float, Float) {
        var sx = SIMD8<Float>(), sy = SIMD8<Float>(), sz = SIMD8<Float>()
        var j = 0
        while j + 8 <= n {
            let v = load(a, j)
            sx += v * load(x, j); sy += v * load(y, j); sz += v * load(z, j)
            j += 8
        }
        var rx = sx.sum(), ry = sy.sum(), rz = sz.sum()
        while j < n { rx += a[j] * x[j]; ry += a[j] * y[j]; rz += a[j] * z[j]; j += 1 }
        return (rx, ry, rz)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ j: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ j: Int) -> SIMD8<Float> { load(UnsafePointer(p), j) }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ j: Int) {
        UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
