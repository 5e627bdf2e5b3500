import Foundation

/// The per-layer map loss of docs/METHOD.md on one query's upsampled map M and mask G, both
/// [H, W]: Focal(M, G) + Dice(M, G) + Dice(1 - M, 1 - G), with its gradient.
///
/// Eight pixels at a time (SIMD8, with a vectorized log): two passes over the ~1e5 pixels
/// of a map, one for the sums and one for the gradient. Per-pixel math is Float32; sums
/// accumulate in Float lanes over blocks of 512 pixels and then in Double, so their
/// rounding stays near Float32's epsilon, not n times it.
enum MapLoss {
    struct Terms {
        var focal = 0.0
        var dice = 0.0   // both dice terms
    }

    typealias V = SIMD8<Float>
    static let focalFloor: Float = 1e-6

    /// Returns the loss terms and `scale` times their gradient with respect to `m`.
    static func evaluate(m: [Float], g: [Float], scale: Float) -> (Terms, [Float]) {
        precondition(m.count == g.count && !m.isEmpty, "map \(m.count) vs mask \(g.count)")
        let n = m.count
        // sum M, sum G, sum MG, sum M^2, sum G^2, and the focal sum -(1 - pt)^2 log pt.
        var sm = 0.0, sg = 0.0, smg = 0.0, smm = 0.0, sgg = 0.0, focal = 0.0
        m.withUnsafeBufferPointer { mp in
            g.withUnsafeBufferPointer { gp in
                var i = 0
                while i < n {
                    let blockEnd = min(i + 512, n)
                    var vm = V(), vg = V(), vmg = V(), vmm = V(), vgg = V(), vf = V()
                    while i < blockEnd {
                        // Padding lanes (m = g = 0) add nothing: pt = 1 there.
                        let (mi, gi) = (load(mp, i), load(gp, i))
                        vm += mi; vg += gi; vmg += mi * gi; vmm += mi * mi; vgg += gi * gi
                        let (pt, _, _) = clampedPt(mi, gi)
                        let q = 1 - pt
                        vf -= q * q * FastMath.log(pt)
                        i += 8
                    }
                    sm += sum(vm); sg += sum(vg); smg += sum(vmg); smm += sum(vmm); sgg += sum(vgg); focal += sum(vf)
                }
            }
        }
        // Dice(1 - M, 1 - G) from the same sums: sum (1-M)(1-G) = n - sum M - sum G + sum MG.
        let nd = Double(n)
        let mg = smg, mm = smm, gg = sgg
        let bg = nd - sm - sg + smg, bm = nd - 2 * sm + smm, bgg = nd - 2 * sg + sgg
        let num1 = 2 * mg + 1, den1 = mm + gg + 1
        let num2 = 2 * bg + 1, den2 = bm + bgg + 1
        let terms = Terms(focal: focal / nd, dice: (1 - num1 / den1) + (1 - num2 / den2))

        // d Dice(M, G) / dM_i = c1 (G_i den1 - num1 M_i), and Dice(1 - M, 1 - G) likewise
        // with a sign flip; the focal term is (1 / n) d/dpt [-(1 - pt)^2 log pt] +- 1,
        // zero where pt is below the floor (the clamp is active).
        let s = Double(scale)
        let c1 = V(repeating: Float(-2 / (den1 * den1) * s)), c2 = V(repeating: Float(-2 / (den2 * den2) * s))
        let d1 = V(repeating: Float(den1)), n1 = V(repeating: Float(num1))
        let d2 = V(repeating: Float(den2)), n2 = V(repeating: Float(num2))
        let focalScale = V(repeating: Float(s / nd))
        let dm = [Float](unsafeUninitializedCapacity: n) { out, count in
            m.withUnsafeBufferPointer { mp in
                g.withUnsafeBufferPointer { gp in
                    var i = 0
                    while i < n {
                        let (mi, gi) = (load(mp, i), load(gp, i))
                        var grad = c1 * (gi * d1 - n1 * mi) - c2 * ((1 - gi) * d2 - n2 * (1 - mi))
                        let (pt, positive, clamped) = clampedPt(mi, gi)
                        let q = 1 - pt
                        var dpt = 2 * q * FastMath.log(pt) - q * q / pt
                        dpt.replace(with: -dpt, where: .!positive)
                        dpt.replace(with: 0, where: clamped)
                        grad += dpt * focalScale
                        if i + 8 <= n {
                            UnsafeMutableRawPointer(out.baseAddress! + i).storeBytes(of: grad, as: V.self)
                        } else {
                            for lane in 0..<(n - i) { out[i + lane] = grad[lane] }
                        }
                        i += 8
                    }
                }
            }
            count = n
        }
        return (terms, dm)
    }

    /// pt = M where G >= 0.5 else 1 - M, clamped below at the floor; where G >= 0.5; and
    /// where the clamp is active.
    @inline(__always)
    private static func clampedPt(_ m: V, _ g: V) -> (pt: V, positive: SIMDMask<SIMD8<Int32>>, clamped: SIMDMask<SIMD8<Int32>>) {
        let positive = g .>= V(repeating: 0.5)
        var pt = (1 - m).replacing(with: m, where: positive)
        let clamped = pt .< V(repeating: focalFloor)
        pt.replace(with: V(repeating: focalFloor), where: clamped)
        return (pt, positive, clamped)
    }

    /// Eight values from i on, zeros past the end.
    @inline(__always)
    private static func load(_ p: UnsafeBufferPointer<Float>, _ i: Int) -> V {
        if i + 8 <= p.count { return UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: V.self) }
        var v = V()
        for lane in 0..<(p.count - i) { v[lane] = p[i + lane] }
        return v
    }

    @inline(__always)
    private static func sum(_ v: V) -> Double { Double(v.sum()) }
}

/// Binary cross-entropy on a probability clamped to [1e-6, 1 - 1e-6]: the loss and
/// d loss / d p (zero where the clamp is active).
func binaryCrossEntropy(p: Float, target: Float) -> (loss: Double, dp: Double) {
    let lo = 1e-6, hi = 1 - 1e-6
    let pd = Double(p), t = Double(target)
    let pc = min(max(pd, lo), hi)
    let loss = -(t * log(pc) + (1 - t) * log(1 - pc))
    let inside = pd >= lo && pd <= hi
    return (loss, inside ? -t / pc + (1 - t) / (1 - pc) : 0)
}

/// Cross-entropy of softmax(logits) at `label`, computed in Double (log-sum-exp), and the
/// softmax probabilities (d loss / d logits = probs - onehot).
func crossEntropy(logits: [Float], label: Int) -> (loss: Double, probs: [Float]) {
    let (probs, logSumExp) = softmax(logits)
    return (logSumExp - Double(logits[label]), probs)
}

/// softmax(logits) in Double, and log(sum(exp(logits))) for the cross-entropy.
func softmax(_ logits: [Float]) -> (probs: [Float], logSumExp: Double) {
    let m = Double(logits.max() ?? 0)
    let e = logits.map { exp(Double($0) - m) }
    let s = e.reduce(0, +)
    return (e.map { Float($0 / s) }, log(s) + m)
}
