import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Against scikit-learn (scripts/fixtures/make_metrics_fixtures.py). Where scikit-learn
/// has no positives it returns AP = F1 = 0 with a warning; UltraAD returns NaN there by
/// design (undefined, shown as such in reports), and NaN AUROC with one class.
final class MetricsTests: XCTestCase {
    func testBinaryAndMulticlassCasesMatchScikitLearn() throws {
        let cases = try XCTUnwrap(Fixtures.json("metrics/metrics.json")["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for c in cases {
            let name = c["name"] as! String
            let labels = (c["labels"] as! [Any]).ints
            if c["kind"] as? String == "multiclass" {
                let k = (c["classes"] as! NSNumber).intValue
                let probs = (c["probs"] as! [Any]).flatMap { ($0 as! [Any]).floats }
                let auc = try macroOneVsRestAUROC(probabilities: probs, labels: labels, classes: k)
                XCTAssertEqual(auc, (c["auroc_ovr_macro"] as! NSNumber).doubleValue, accuracy: 1e-12, name)
                continue
            }
            var s = BinaryScores()
            try s.add(scores: (c["scores"] as! [Any]).floats, labels: labels.map(Float.init))
            let m = s.summary()
            if let auroc = c["auroc"] as? NSNumber {
                XCTAssertEqual(m.auroc, auroc.doubleValue, accuracy: 1e-12, "\(name) auroc")
            } else {
                XCTAssertTrue(m.auroc.isNaN, "\(name): AUROC with one class must be NaN")
            }
            if labels.contains(1) {
                XCTAssertEqual(m.averagePrecision, (c["ap"] as! NSNumber).doubleValue, accuracy: 1e-12, "\(name) ap")
                XCTAssertEqual(m.maxF1, (c["max_f1"] as! NSNumber).doubleValue, accuracy: 1e-12, "\(name) f1")
            } else {
                XCTAssertTrue(m.averagePrecision.isNaN && m.maxF1.isNaN, name)
            }
        }
    }

    /// The radix sort against a plain sort on a million scores with many ties and both
    /// signs; then the AUROC against the rank formula (Mann-Whitney U with midranks).
    func testLargeInputsAgreeWithTheRankFormula() throws {
        var rng = SplitMix64(seed: 3)
        var s = BinaryScores()
        var pairs = [(Float, Bool)]()
        for _ in 0..<1_000_000 {
            let positive = rng.nextUniform() < 0.1
            let v = (rng.nextNormal() + (positive ? 1 : 0)) * 100
            let score = (rng.nextUniform() < 0.3) ? v.rounded() / 100 : v / 100
            pairs.append((score, positive))
            try s.add(score, positive: positive)
        }
        pairs.sort { $0.0 < $1.0 }
        var rankSum = 0.0, i = 0, pos = 0.0
        while i < pairs.count {
            var j = i
            while j < pairs.count && pairs[j].0 == pairs[i].0 { j += 1 }
            let midrank = Double(i + j + 1) / 2
            for k in i..<j where pairs[k].1 { rankSum += midrank; pos += 1 }
            i = j
        }
        let neg = Double(pairs.count) - pos
        let expected = (rankSum - pos * (pos + 1) / 2) / (pos * neg)
        XCTAssertEqual(s.summary().auroc, expected, accuracy: 1e-9)
    }

    func testNaNScoresAreRejected() {
        var s = BinaryScores()
        XCTAssertThrowsError(try s.add(.nan, positive: true)) { XCTAssertEqual($0 as? MetricsError, .nanScore(index: 0)) }
        XCTAssertThrowsError(try s.add(scores: [1, 2], labels: [1])) {
            XCTAssertEqual($0 as? MetricsError, .lengthMismatch(scores: 2, labels: 1))
        }
    }
}
