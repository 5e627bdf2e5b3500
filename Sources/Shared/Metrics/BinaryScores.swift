/// Scores of a binary problem (image-level or pixel-level), accumulated one at a time and
/// reduced exactly to ROC AUC, average precision and max-F1, as scikit-learn defines them.
///
/// Each (score, label) is packed into one UInt64: an order-preserving image of the Float32
/// score's bits, shifted left, with the label in bit 0. That single array is the only copy
/// of the scores (8 bytes a pixel: 40 M test pixels take 320 MB), and it is sorted in place
/// by an MSD radix sort (American flag sort), so tens of millions of pixels reduce in
/// seconds. Ties are exact: equal Float32 scores form one threshold.
public struct BinaryScores: Sendable {
    private(set) var keys: [UInt64] = []
    public private(set) var positives = 0
    public private(set) var negatives = 0

    public init(reservingCapacity n: Int = 0) { keys.reserveCapacity(n) }

    public var count: Int { keys.count }

    /// Adds one score. NaN scores are an error upstream; here they are rejected.
    public mutating func add(_ score: Float, positive: Bool) throws(MetricsError) {
        guard !score.isNaN else { throw .nanScore(index: keys.count) }
        // -0 and +0 are one threshold.
        let s = score == 0 ? 0 : score
        let b = s.bitPattern
        let ordered = (b & 0x8000_0000) != 0 ? ~b : b | 0x8000_0000
        keys.append(UInt64(ordered) << 1 | (positive ? 1 : 0))
        if positive { positives += 1 } else { negatives += 1 }
    }

    /// Adds a batch: scores and labels of equal length (labels > 0.5 are positive).
    public mutating func add(scores: [Float], labels: [Float]) throws(MetricsError) {
        guard scores.count == labels.count else {
            throw .lengthMismatch(scores: scores.count, labels: labels.count)
        }
        keys.reserveCapacity(keys.count + scores.count)
        for i in scores.indices { try add(scores[i], positive: labels[i] > 0.5) }
    }

    /// ROC AUC, AP and max-F1. With only one class present the metrics that need both
    /// (AUROC) or positives (AP, F1) are NaN: scikit-learn raises or warns there, and a NaN
    /// in a report says "undefined" without stopping an evaluation.
    public mutating func summary() -> BinarySummary {
        RadixSort.sortDescending(&keys)
        let p = Double(positives), n = Double(negatives)
        var tp = 0.0, fp = 0.0
        var prevTPR = 0.0, prevFPR = 0.0, auc = 0.0
        var ap = 0.0, prevRecall = 0.0, bestF1 = 0.0
        var i = 0
        while i < keys.count {
            // One threshold: all entries with the same score.
            let score = keys[i] >> 1
            while i < keys.count && keys[i] >> 1 == score {
                if keys[i] & 1 == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            let tpr = p > 0 ? tp / p : 0, fpr = n > 0 ? fp / n : 0
            auc += (fpr - prevFPR) * (tpr + prevTPR) / 2
            prevTPR = tpr; prevFPR = fpr
            let precision = tp / (tp + fp)
            ap += (tpr - prevRecall) * precision
            prevRecall = tpr
            if tp > 0 { bestF1 = max(bestF1, 2 * precision * tpr / (precision + tpr)) }
        }
        return BinarySummary(
            auroc: p > 0 && n > 0 ? auc : .nan,
            averagePrecision: p > 0 ? ap : .nan,
            maxF1: p > 0 ? bestF1 : .nan,
            positives: positives, negatives: negatives)
    }

    /// The ROC curve (false positive rate, true positive rate) at each distinct threshold,
    /// starting at (0, 0), thinned to at most `maxPoints` for plotting.
    public mutating func rocCurve(maxPoints: Int = 512) -> [(fpr: Double, tpr: Double)] {
        RadixSort.sortDescending(&keys)
        let p = Double(max(positives, 1)), n = Double(max(negatives, 1))
        var points: [(Double, Double)] = [(0, 0)]
        var tp = 0.0, fp = 0.0, i = 0
        while i < keys.count {
            let score = keys[i] >> 1
            while i < keys.count && keys[i] >> 1 == score {
                if keys[i] & 1 == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append((fp / n, tp / p))
        }
        guard points.count > maxPoints, maxPoints >= 2 else { return points }
        let step = Double(points.count - 1) / Double(maxPoints - 1)
        return (0..<maxPoints).map { points[Int((Double($0) * step).rounded())] }
    }
}

public struct BinarySummary: Equatable, Sendable, Codable {
    public var auroc: Double
    public var averagePrecision: Double
    public var maxF1: Double
    public var positives: Int
    public var negatives: Int
}

public enum MetricsError: Error, CustomStringConvertible, Equatable {
    case nanScore(index: Int)
    case lengthMismatch(scores: Int, labels: Int)
    case badClassProbabilities(String)

    public var description: String {
        switch self {
        case .nanScore(let i): return "score \(i) is NaN; the model produced an invalid value"
        case let .lengthMismatch(s, l): return "\(s) scores but \(l) labels"
        case .badClassProbabilities(let m): return m
        }
    }
}

/// Macro one-vs-rest AUROC over C classes (scikit-learn's multi_class="ovr",
/// average="macro"): the mean of each class's AUROC against the rest. NaN if any class
/// is absent from `labels` (its AUROC is undefined).
/// probabilities: [n, C] row-major; labels: n class indices.
public func macroOneVsRestAUROC(probabilities: [Float], labels: [Int], classes: Int) throws(MetricsError) -> Double {
    guard probabilities.count == labels.count * classes else {
        throw .badClassProbabilities("\(probabilities.count) probabilities for \(labels.count) samples x \(classes) classes")
    }
    var total = 0.0
    for c in 0..<classes {
        var s = BinaryScores(reservingCapacity: labels.count)
        for (i, l) in labels.enumerated() { try s.add(probabilities[i * classes + c], positive: l == c) }
        total += s.summary().auroc
    }
    return total / Double(classes)
}
