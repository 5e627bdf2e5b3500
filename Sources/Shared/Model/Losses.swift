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
    static func evaluate(m: [Float], g: [Float], scale: Float) -> (Terms, [Float]) {
        precondition(m.count == g.count && !m.isEmpty, "map \(m.count) vs mask \(g.count)")
        let n = m.count
        // Sums for both dice terms, in Double: maps have ~1e5 pixels.
        var mg = 0.0, mm = 0.0, gg = 0.0, bg = 0.0, bm = 0.0, bgg = 0.0, focal = 0.0
        for i in 0..<n {
            let mi = Double(m[i]), gi = Double(g[i])
            mg += mi * gi; mm += mi * mi; gg += gi * gi
            bg += (1 - mi) * (1 - gi); bm += (1 - mi) * (1 - mi); bgg += (1 - gi) * (1 - gi)
            let pt = max(Double(g[i] >= 0.5 ? m[i] : 1 - m[i]), Double(focalFloor))
            focal -= (1 - pt) * (1 - pt) * Foundation.log(pt)
        }
        let num1 = 2 * mg + 1, den1 = mm + gg + 1
        let num2 = 2 * bg + 1, den2 = bm + bgg + 1
        let terms = Terms(focal: focal / Double(n), dice: (1 - num1 / den1) + (1 - num2 / den2))

        var dm = [Float](repeating: 0, count: n)
        let s = Double(scale)
        let c1 = -2 / (den1 * den1), c2 = -2 / (den2 * den2)
        for i in 0..<n {
            let mi = Double(m[i]), gi = Double(g[i])
            var grad = c1 * (gi * den1 - num1 * mi)                 // Dice(M, G)
            grad -= c2 * ((1 - gi) * den2 - num2 * (1 - mi))         // Dice(1 - M, 1 - G)
            let positive = g[i] >= 0.5
            let pt = positive ? mi : 1 - mi
            if pt >= Double(focalFloor) {
                // d/dpt of -(1 - pt)^2 log pt
                let dpt = 2 * (1 - pt) * Foundation.log(pt) - (1 - pt) * (1 - pt) / pt
                grad += (positive ? dpt : -dpt) / Double(n)
            }
            dm[i] = Float(grad * s)
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
    let m = Double(logits.max() ?? 0)
    let e = logits.map { exp(Double($0) - m) }
    let s = e.reduce(0, +)
    return (log(s) + m - Double(logits[label]), e.map { Float($0 / s) })
}
