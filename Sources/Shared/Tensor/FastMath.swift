/// Vectorized single-precision log, used by the focal loss. (The encoder's exp kernels are
/// in C: `VectorMath`.)
enum FastMath {
    typealias V = SIMD8<Float>

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
