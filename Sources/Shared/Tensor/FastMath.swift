/// Vectorized single-precision exp, used by softmax and the GELU variants.
///
/// Range reduction x = n ln2 + r with |r| <= ln2/2 (ln2 split in two parts so n ln2 is
/// exact), then Cephes' degree-5 polynomial for e^r (about 1 ulp), scaled by 2^n built in
/// the exponent bits. Inputs are clamped to [-87.3, 88.3], so the result is finite and
/// normal: e^-87.3 ~ 1.3e-38 stands in for anything smaller (callers only add 1 to it or
/// divide by a sum that includes e^0).
enum FastMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ x: V) -> V {
        // (Not `clamped`: the generic pointwise min/max it calls is not inlined.)
        var x = x.replacing(with: V(repeating: -87.3), where: x .< V(repeating: -87.3))
        x.replace(with: V(repeating: 88.3), where: x .> V(repeating: 88.3))
        // Round x / ln2 to the nearest integer: adding 1.5 * 2^23 leaves the integer in
        // the low mantissa bits.
        let magic = V(repeating: 12_582_912)
        let t = x * V(repeating: 1.442_695_040_888_963_4) + magic
        let n = t - magic
        var r = x - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_4e-4)
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        p = p * (r * r) + r + V(repeating: 1)
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- Int32(0x4B40_0000)
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        return p * scale
    }

    /// Scalar form of `exp` (same polynomial), for tails shorter than a vector.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }

    /// Natural log of positive, normal, finite x (callers clamp; no NaN or infinity
    /// handling). x = 2^e m with m in [sqrt(1/2), sqrt(2)); Cephes' degree-9 polynomial
    /// in f = m - 1 (about 1 ulp), and e ln2 added in two parts.
    @inline(__always)
    static func log(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        var e = V((bits &>> 23) &- 126)
        // The mantissa as a float in [0.5, 1).
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: V.self)
        let small = m .< V(repeating: 0.707_106_781_186_547_5)
        e.replace(with: e - 1, where: small)
        m = m.replacing(with: m + m, where: small) - 1
        let z = m * m
        var p = V(repeating: 7.037_683_629_2e-2)
        p = p * m + V(repeating: -1.151_461_031_0e-1)
        p = p * m + V(repeating: 1.167_699_874_0e-1)
        p = p * m + V(repeating: -1.242_014_084_6e-1)
        p = p * m + V(repeating: 1.424_932_278_7e-1)
        p = p * m + V(repeating: -1.666_805_766_5e-1)
        p = p * m + V(repeating: 2.000_071_476_5e-1)
        p = p * m + V(repeating: -2.499_999_399_3e-1)
        p = p * m + V(repeating: 3.333_333_117_4e-1)
        var y = m * z * p + e * V(repeating: -2.121_944_4e-4) - z * V(repeating: 0.5)
        y = m + y + e * V(repeating: 0.693_359_375)
        return y
    }
}
