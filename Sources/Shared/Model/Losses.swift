import Foundation

/// The per-layer map loss of METHOD.md on one query's upsampled map M and mask G, both
/// [H, W]: Focal(M, G) + Dice(M, G) + Dice(1 - M, 1 - G), with its gradient.
enum MapLoss {
    struct Terms {
        var focal = 0.0
        var dice = 0.0   // both dice terms
    }

    static let focalFloor: Float = 1e-6

    /// Returns the loss terms and `scale` times their gradient with respect to `m`.
    /// Per-pixel math is Float32 (one log per pixel, reused by the gradient); the sums
    /// over the ~1e5 pixels of a map accumulate in Double.
    static func evaluate(m: [Float], g: [Float], scale: Float) -> (Terms, [Float]) {
        precondition(m.count == g.count && !m.isEmpty, "map \(m.count) vs mask \(g.count)")
        let n = m.count
        var logPt = [Float](repeating: 0, count: n)
        var mg = 0.0, mm = 0.0, gg = 0.0, bg = 0.0, bm = 0.0, bgg = 0.0, focal = 0.0
        for i in 0..<n {
            let mi = m[i], gi = g[i]
            mg += Double(mi * gi); mm += Double(mi * mi); gg += Double(gi * gi)
            let bmi = 1 - mi, bgi = 1 - gi
            bg += Double(bmi * bgi); bm += Double(bmi * bmi); bgg += Double(bgi * bgi)
            let pt = max(gi >= 0.5 ? mi : bmi, focalFloor)
            let lp = Foundation.log(pt)
            logPt[i] = lp
            focal -= Double((1 - pt) * (1 - pt) * lp)
        }
        let num1 = 2 * mg + 1, den1 = mm + gg + 1
        let num2 = 2 * bg + 1, den2 = bm + bgg + 1
        let terms = Terms(focal: focal / Double(n), dice: (1 - num1 / den1) + (1 - num2 / den2))

        // d Dice(M, G) / dM_i = c1 (G_i den1 - num1 M_i), and Dice(1 - M, 1 - G) likewise
        // with a sign flip; the focal term is (1 / n) d/dpt [-(1 - pt)^2 log pt] +- 1.
        let s = Double(scale)
        let c1 = Float(-2 / (den1 * den1) * s), c2 = Float(-2 / (den2 * den2) * s)
        let d1 = Float(den1), n1 = Float(num1), d2 = Float(den2), n2 = Float(num2)
        let focalScale = Float(s / Double(n))
        var dm = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let mi = m[i], gi = g[i]
            var grad = c1 * (gi * d1 - n1 * mi) - c2 * ((1 - gi) * d2 - n2 * (1 - mi))
            let positive = gi >= 0.5
            let pt = positive ? mi : 1 - mi
            if pt >= focalFloor {
                let q = 1 - pt
                let dpt = 2 * q * logPt[i] - q * q / pt
                grad += (positive ? dpt : -dpt) * focalScale
            }
            dm[i] = grad
        }
        return (terms, dm)
    }
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
