/// Thins a ROC curve for plotting by distance along the curve rather than by threshold
/// count, so that a steep rise through few thresholds keeps as many points as a long flat
/// run through many. A ROC curve is monotone from (0, 0) to (1, 1), so its length in the
/// L1 norm is exactly 2: keeping a point once it lies 2 / (maxPoints - 2) from the last kept
/// one leaves at most `maxPoints`, each within that distance of the dropped ones.
enum ROCThinning {
    static func thin(_ points: [ROCPoint], maxPoints: Int) -> [ROCPoint] {
        guard points.count > maxPoints, maxPoints >= 3, let first = points.first, let last = points.last else {
            return points
        }
        let step = 2 / Double(maxPoints - 2)
        var out = [first]
        for p in points.dropFirst().dropLast() {
            let q = out[out.count - 1]
            if abs(p.fpr - q.fpr) + abs(p.tpr - q.tpr) >= step { out.append(p) }
        }
        out.append(last)
        return out
    }
}
