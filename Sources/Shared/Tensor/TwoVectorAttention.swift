import Foundation

/// Row kernels for METHOD.md's patch-to-prompt fusion (steps 3-4), fused row by row.
///
/// For each row z_i of z: [n, d], with two vectors per role (b: [2, d] attention keys,
/// w: [2, d] values, p: [2, d] prompts):
///   zh = z / |z|;  a = softmax(s_a (zh . b_c));  r = zh + sum_c a_c w_c;  zt = r / |r|;
///   m = softmax((zt . p_c) / tau)[1]
/// Each row is read once and stays in cache for every step; reductions use 8-wide SIMD
/// accumulators (the compiler does not reorder float sums by itself). Unfused, this was
/// eight passes over [n, d] arrays and cost as much as the adapters' matrix products.
public enum TwoVectorAttention {
    public struct Forward: Sendable {
        public var zh: Tensor        // [n, d]
        public var zNorms: [Float]   // [n]
        public var att: Tensor       // [n, 2]
        public var zt: Tensor        // [n, d]
        public var rNorms: [Float]   // [n]
        public var map: [Float]      // [n]
    }

    /// `z` is consumed: zh is normalized in its storage (pass it with `consume` so that
    /// no copy of [n, d] is made).
    public static func forward(z: consuming Tensor, b: Tensor, w: Tensor, p: Tensor, attentionScale: Float, invTau: Float) -> Forward {
        let n = z.shape[0], d = z.shape[1]
        precondition(b.shape == [2, d] && w.shape == [2, d] && p.shape == [2, d], "two-vector attention: shapes")
        // zt is written whole below, row by row: no zeroing pass.
        var out = Forward(zh: consume z, zNorms: [Float](repeating: 0, count: n), att: Tensor(zeros: [n, 2]),
                          zt: Tensor(shape: [n, d]) { _ in }, rNorms: [Float](repeating: 0, count: n),
                          map: [Float](repeating: 0, count: n))
        b.data.withUnsafeBufferPointer { bb in w.data.withUnsafeBufferPointer { wb in p.data.withUnsafeBufferPointer { pb in
        out.zh.data.withUnsafeMutableBufferPointer { zhb in out.zt.data.withUnsafeMutableBufferPointer { ztb in
        out.att.data.withUnsafeMutableBufferPointer { ab in
            let b0 = bb.baseAddress!, b1 = b0 + d, w0 = wb.baseAddress!, w1 = w0 + d
            let p0 = pb.baseAddress!, p1 = p0 + d
            for i in 0..<n {
                let zr = zhb.baseAddress! + i * d, tr = ztb.baseAddress! + i * d
                let zn = max(dot(zr, zr, d).squareRoot(), 1e-12)
                out.zNorms[i] = zn
                scale(zr, 1 / zn, d)
                let l0 = dot(zr, b0, d), l1 = dot(zr, b1, d)
                let a1 = 1 / (1 + expf((l0 - l1) * attentionScale)), a0 = 1 - a1
                ab[2 * i] = a0; ab[2 * i + 1] = a1
                for j in 0..<d { tr[j] = zr[j] + a0 * w0[j] + a1 * w1[j] }
                let rn = max(dot(tr, tr, d).squareRoot(), 1e-12)
                out.rNorms[i] = rn
                scale(tr, 1 / rn, d)
                let s0 = dot(tr, p0, d), s1 = dot(tr, p1, d)
                out.map[i] = 1 / (1 + expf((s0 - s1) * invTau))
            }
        } } } } } }
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
        var dr = [Float](repeating: 0, count: d)
        b.data.withUnsafeBufferPointer { bb in w.data.withUnsafeBufferPointer { wb in p.data.withUnsafeBufferPointer { pb in
        f.zh.data.withUnsafeBufferPointer { zhb in f.zt.data.withUnsafeBufferPointer { ztb in
        db.data.withUnsafeMutableBufferPointer { dbb in dw.data.withUnsafeMutableBufferPointer { dwb in
        dp.data.withUnsafeMutableBufferPointer { dpb in dz.data.withUnsafeMutableBufferPointer { dzb in
        dr.withUnsafeMutableBufferPointer { drb in
            let b0 = bb.baseAddress!, b1 = b0 + d, w0 = wb.baseAddress!, w1 = w0 + d
            let p0 = pb.baseAddress!, p1 = p0 + d
            let db0 = dbb.baseAddress!, db1 = db0 + d, dw0 = dwb.baseAddress!, dw1 = dw0 + d
            let dp0 = dpb.baseAddress!, dp1 = dp0 + d
            let g = drb.baseAddress!
            for i in 0..<n {
                let zh = zhb.baseAddress! + i * d, zt = ztb.baseAddress! + i * d
                let m = f.map[i]
                let s = dm[i] * m * (1 - m) * invTau          // ds1 = s, ds0 = -s
                // m = sigmoid(s1 - s0), s_c = zt . p_c / tau
                for j in 0..<d {
                    g[j] = s * (p1[j] - p0[j])
                    dp0[j] -= s * zt[j]
                    dp1[j] += s * zt[j]
                }
                // zt = r / |r|
                let c1 = dot(zt, g, d), rinv = 1 / f.rNorms[i]
                for j in 0..<d { g[j] = (g[j] - zt[j] * c1) * rinv }
                // r = zh + a0 w0 + a1 w1
                let a0 = f.att.data[2 * i], a1 = f.att.data[2 * i + 1]
                let da0 = dot(g, w0, d), da1 = dot(g, w1, d)
                for j in 0..<d {
                    dw0[j] += a0 * g[j]
                    dw1[j] += a1 * g[j]
                }
                // a = softmax(s_a (zh . b_c))
                let mean = a0 * da0 + a1 * da1
                let dl0 = a0 * (da0 - mean) * attentionScale, dl1 = a1 * (da1 - mean) * attentionScale
                for j in 0..<d {
                    g[j] += dl0 * b0[j] + dl1 * b1[j]
                    db0[j] += dl0 * zh[j]
                    db1[j] += dl1 * zh[j]
                }
                // zh = z / |z|
                let c2 = dot(zh, g, d), zinv = 1 / f.zNorms[i]
                let out = dzb.baseAddress! + i * d
                for j in 0..<d { out[j] = (g[j] - zh[j] * c2) * zinv }
            }
        } } } } } } } } } }
        return dz
    }

    /// Dot product with 8-wide SIMD accumulators (a fixed order: deterministic).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var j = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while j + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (j + 8) * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (j + 8) * 4, as: SIMD8<Float>.self)
            j += 16
        }
        var s = (acc0 + acc1).sum()
        while j < n { s += a[j] * b[j]; j += 1 }
        return s
    }

    @inline(__always)
    static func scale(_ a: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for j in 0..<n { a[j] *= s }
    }
}
