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
}
