import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The evaluation report on synthetic sites with known metrics: the numbers in report.md
/// and metrics.json, the SVG curves, the overlays, undefined metrics, the cross-site matrix.
final class ReportTests: XCTestCase {
    typealias D = ReportTestData

    func testMetricsMatchHandComputedValuesAndTheReportTable() throws {
        let a = try D.finish("A", D.threeClassSite(prefix: "A"))
        let b = try D.finish("B", D.threeClassSite(prefix: "B", inverted: true))

        // Image level, by hand and against BinaryScores directly.
        var direct = BinaryScores()
        for s in D.normalScores { try direct.add(s, positive: false) }
        for s in D.benignScores + D.malignantScores { try direct.add(s, positive: true) }
        let expected = direct.summary()
        XCTAssertEqual(a.metrics.imageAUROC, D.imageAUROC, accuracy: 1e-12)
        XCTAssertEqual(a.metrics.imageAUROC, expected.auroc, accuracy: 1e-12)
        XCTAssertEqual(a.metrics.imageAP, expected.averagePrecision, accuracy: 1e-12)
        XCTAssertEqual(a.metrics.imageF1, expected.maxF1, accuracy: 1e-12)

        // Pixel level: perfect maps give 1, inverted ones 0 with AP the lesion share.
        let lesion = D.lesionRows.count * D.lesionCols.count * 6, pixels = 9 * D.height * D.width
        XCTAssertEqual(a.metrics.pixels, pixels)
        XCTAssertEqual(a.metrics.lesionPixels, lesion)
        XCTAssertEqual(a.metrics.pixelAUROC, 1)
        XCTAssertEqual(a.metrics.pixelAP, 1)
        XCTAssertEqual(a.metrics.pixelF1, 1)
        XCTAssertEqual(b.metrics.pixelAUROC, 0)
        XCTAssertEqual(b.metrics.pixelAP, Double(lesion) / Double(pixels), accuracy: 1e-12)

        // Classes: macro one-vs-rest as the library computes it; benign vs malignant on the
        // conditional malignant probability (1), not on p[2] alone (7/9).
        let probs = (D.normalProbs + D.benignProbs + D.malignantProbs).flatMap { $0 }
        let labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
        XCTAssertEqual(a.metrics.classAUROC, try macroOneVsRestAUROC(probabilities: probs, labels: labels, classes: 3), accuracy: 1e-12)
        XCTAssertEqual(a.metrics.benignMalignantAUROC, 1)
        XCTAssertEqual(a.metrics.classCounts, [3, 3, 3])

        let folder = try D.temporaryFolder(self)
        let returned = try EvaluationReport.write(sites: [a, b], to: folder, title: "Test run",
                                                  notes: ["backbone builtin:tiny: seeded random weights", "skipped 2 bad files"])
        XCTAssertEqual(returned, ["A": a.metrics, "B": b.metrics])

        let md = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("# Test run\n"))
        XCTAssertTrue(md.contains("- backbone builtin:tiny: seeded random weights\n- skipped 2 bad files\n"))
        let rows = D.table(in: md, under: "## Metrics")
        XCTAssertEqual(Set(rows.keys), ["A", "B"])
        for (name, site) in [("A", a), ("B", b)] {
            let cells = try XCTUnwrap(rows[name])
            XCTAssertEqual(cells.count, ReportMetric.allCases.count)
            for (cell, metric) in zip(cells, ReportMetric.allCases) {
                let v = try XCTUnwrap(D.number(cell), "\(name) \(metric): \(cell)")
                XCTAssertEqual(v, metric.value(in: site.metrics), accuracy: 5e-4, "\(name) \(metric)")
            }
        }
        XCTAssertEqual(rows["A"]?.first, "0.778")
        XCTAssertEqual(rows["B"]?[3], "0.000", "pixel AUROC of inverted maps")

        let counts = D.table(in: md, under: "## Test images")
        XCTAssertEqual(counts["A"], ["3", "3", "3", "9", String(pixels), String(lesion)])

        let file = try MetricsFile.read(folder.appendingPathComponent("metrics.json"))
        XCTAssertEqual(file.metrics, returned)
        XCTAssertEqual(file.sites, ["A", "B"])
        XCTAssertEqual(file.classes, ["normal", "benign", "malignant"])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json"))) as? [String: Any])
        XCTAssertEqual(json["version"] as? Int, 2)
        let siteA = try XCTUnwrap((json["metrics"] as? [String: Any])?["A"] as? [String: Any])
        XCTAssertEqual((siteA["imageAUROC"] as? NSNumber)?.doubleValue ?? -1, D.imageAUROC, accuracy: 1e-12)
    }

    func testROCCurvesAreValidSVGWithTheCurve() throws {
        let a = try D.finish("A", D.threeClassSite(prefix: "A"))
        let folder = try D.temporaryFolder(self)
        try EvaluationReport.write(sites: [a], to: folder, title: "ROC")
        let md = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        for level in ["image", "pixel"] {
            let name = "roc-A-\(level).svg"
            XCTAssertTrue(md.contains("](\(name))"), "report links \(name)")
            let svg = try XMLCollector.parse(folder.appendingPathComponent(name))
            XCTAssertEqual(svg.elements.first?.name, "svg")
            let curves = svg.elements.filter { $0.name == "polyline" }
            XCTAssertEqual(curves.count, 1)
            let points = try XCTUnwrap(curves.first?.attributes["points"]).split(separator: " ").map {
                $0.split(separator: ",").compactMap { Double($0) }
            }
            let roc = level == "image" ? a.imageROC : a.pixelROC
            XCTAssertEqual(points.count, roc.count)
            XCTAssertTrue(points.allSatisfy { $0.count == 2 })
            // From (0, 0) at the plot's bottom-left to (1, 1) at its top-right.
            XCTAssertEqual(points.first, [ROCChart.left, ROCChart.bottom])
            XCTAssertEqual(points.last, [ROCChart.right, ROCChart.top])
            let auroc = level == "image" ? "0.778" : "1.000"
            XCTAssertTrue(svg.text.contains("AUROC = \(auroc)"), svg.text)
            XCTAssertTrue(svg.elements.contains { $0.name == "line" && $0.attributes["stroke-dasharray"] != nil }, "diagonal")
        }
        // Thinned: a pixel curve with many thresholds keeps at most 512 points.
        var acc = SiteAccumulator(name: "many", overlaysPerClass: 0)
        var rng = SplitMix64(seed: 5)
        for i in 0..<4 {
            let m = D.mask(abnormal: i > 0)
            let map = Tensor(shape: m.shape, data: m.data.map { 0.3 * $0 + 0.7 * rng.nextUniform() })
            try acc.add(ImageEvaluation(id: "\(i)", label: i % 3, image: nil, mask: m, map: map, score: Float(i),
                                        probabilities: [0.3, 0.3, 0.4]))
        }
        let many = try acc.finish()
        XCTAssertEqual(many.metrics.pixels, 4 * D.height * D.width)
        XCTAssertGreaterThan(many.metrics.pixels, 512)
        XCTAssertLessThanOrEqual(many.pixelROC.count, 512)
        XCTAssertGreaterThan(many.pixelROC.count, 100)
        XCTAssertEqual(many.pixelROC.first, ROCPoint(fpr: 0, tpr: 0))
        XCTAssertEqual(many.pixelROC.last, ROCPoint(fpr: 1, tpr: 1))
        // The thinned curve still encloses the exact AUROC (trapezoids).
        let area = zip(many.pixelROC, many.pixelROC.dropFirst()).reduce(0.0) { $0 + ($1.1.fpr - $1.0.fpr) * ($1.1.tpr + $1.0.tpr) / 2 }
        XCTAssertEqual(area, many.metrics.pixelAUROC, accuracy: 0.005)
        XCTAssertTrue(many.overlays.isEmpty)
    }

    func testOverlaysShowTheBestAndWorstOfEachClassWithTheLesionOutline() throws {
        let a = try D.finish("Site A (1)", D.threeClassSite(prefix: "A"))
        XCTAssertEqual(a.overlays.count, 6)
        // Normal: best is the lowest score, worst the highest; abnormal the reverse.
        let normal = a.overlays.filter { $0.label == 0 }
        XCTAssertEqual(normal.map(\.score), [0.1, 0.7])
        XCTAssertEqual(normal.map(\.roles), [[.init(kind: .best, rank: 1)], [.init(kind: .worst, rank: 1)]])
        XCTAssertEqual(a.overlays.filter { $0.label == 2 }.map(\.score), [0.95, 0.5])

        let folder = try D.temporaryFolder(self)
        try EvaluationReport.write(sites: [a], to: folder, title: "Overlays")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("overlays").path).sorted()
        XCTAssertEqual(files.count, 6)
        for f in files {
            XCTAssertNil(f.range(of: "[^A-Za-z0-9._-]", options: .regularExpression), "unsafe file name \(f)")
            XCTAssertTrue(f.hasPrefix("Site_A_1-"), f)
        }
        let best = try XCTUnwrap(files.first { $0.contains("benign-best1") })
        XCTAssertEqual(best, "Site_A_1-benign-best1-A_benign_benign_3.png")
        let md = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("](overlays/\(best))"))
        let gallery = D.table(in: md, under: "### Site Site A (1)")
        XCTAssertEqual(Set(gallery.keys), ["normal", "benign", "malignant"])
        XCTAssertTrue(gallery["normal"]?[0].contains("A/normal/normal (1).png") == true)
        XCTAssertTrue(gallery["normal"]?[1].contains("A/normal/normal (3).png") == true)

        // The file is the gallery's picture; its third panel is the overlay.
        let png = try PNGImage.readRGB(folder.appendingPathComponent("overlays/\(best)").path)
        let sample = try XCTUnwrap(a.overlays.first { $0.label == 1 && $0.roles.contains(.init(kind: .best, rank: 1)) })
        let layout = EvaluationReport.picture(sample, classNames: a.classNames).layout
        XCTAssertEqual([png.width, png.height], [layout.width, layout.height])
        XCTAssertEqual([sample.width, sample.height], [D.width, D.height])
        func rgb(_ y: Int, _ x: Int) -> [Float] {
            let plane = png.width * png.height
            return (0..<3).map { png.pixels[$0 * plane + (y + layout.panelTop) * png.width + x + layout.panelLeft[2]] }
        }
        // On the outline (the lesion's corner and edges): green.
        for (y, x) in [(3, 4), (7, 9), (5, 4), (3, 6)] {
            let p = rgb(y, x)
            XCTAssertEqual(p, [0, 1, 0], "outline (\(y), \(x)) is \(p)")
        }
        // Inside the lesion (map 0.9): gray 0.5 blended towards yellow; outside (map 0.1): almost gray.
        let inside = rgb(5, 6), outside = rgb(0, 0)
        XCTAssertEqual(inside[0], 0.325 * 0.5 + 0.675, accuracy: 0.01)
        XCTAssertEqual(inside[1], 0.325 * 0.5 + 0.675 * 0.8, accuracy: 0.01)
        XCTAssertEqual(inside[2], 0.325 * 0.5, accuracy: 0.01)
        XCTAssertEqual(outside[0], 0.925 * 0.5 + 0.075, accuracy: 0.01)
        XCTAssertEqual(outside[1], 0.925 * 0.5, accuracy: 0.01)

        // A large image is downsized to the overlay's longest side, map and mask with it.
        var acc = SiteAccumulator(name: "big", overlaysPerClass: 1, overlayMaxSide: 8)
        try acc.add(D.evaluation("big.png", label: 1, score: 1, probabilities: [0, 1, 0],
                                 image: D.image(height: 24, width: 32)))
        let big = try acc.finish()
        XCTAssertEqual(big.overlays.map { [$0.width, $0.height] }, [[8, 6]])
        XCTAssertEqual(big.overlays.first?.roles.count, 2, "the only benign image is both best and worst")
        // Nearest neighbour from the 12 x 16 mask samples rows and columns 1, 3, 5, ...: the
        // lesion (rows 3..<8, columns 4..<10) keeps rows 3, 5, 7 and columns 5, 7, 9.
        XCTAssertEqual(big.overlays.first?.lesion.filter { $0 }.count, 3 * 3)
    }

    func testSingleClassSiteReportsUndefinedMetricsAsNotAvailable() throws {
        let normals = (0..<3).map { D.evaluation("N/normal (\($0)).png", label: 0, score: Float($0) / 4, probabilities: [0.5, 0.3, 0.2]) }
        let n = try D.finish("N", normals)
        let a = try D.finish("A", D.threeClassSite(prefix: "A"))
        for m in ReportMetric.allCases { XCTAssertTrue(m.value(in: n.metrics).isNaN, "\(m)") }
        XCTAssertEqual(ReportMetric.imageAUROC.undefinedReason(in: n.metrics, classNames: n.classNames),
                       "no abnormal (benign or malignant) test images")
        XCTAssertEqual(ReportMetric.pixelAUROC.undefinedReason(in: n.metrics, classNames: n.classNames),
                       "no lesion pixels in the test masks")
        XCTAssertNil(ReportMetric.pixelAUROC.undefinedReason(in: a.metrics, classNames: a.classNames))

        let folder = try D.temporaryFolder(self)
        try EvaluationReport.write(sites: [a, n], to: folder, title: "NaN")
        let md = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        let row = try XCTUnwrap(D.table(in: md, under: "## Metrics")["N"])
        XCTAssertTrue(row.allSatisfy { $0.hasPrefix("n/a[^") }, "\(row)")
        // One footnote per reason, each defined once below the table.
        let marks = Set(row.map { String($0.dropFirst(3)) })
        XCTAssertEqual(marks.count, 4, "\(marks)")  // image, pixel, class, benign-vs-malignant reasons
        for mark in marks { XCTAssertTrue(md.contains("\n\(mark): Site N: "), "footnote \(mark)") }
        XCTAssertTrue(md.contains("Class AUROC undefined: no benign, malignant test images (every class must be present)."))
        XCTAssertFalse(D.table(in: md, under: "## Metrics")["A"]?.contains { $0.hasPrefix("n/a") } ?? true)

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json"))) as? [String: Any])
        let site = try XCTUnwrap((json["metrics"] as? [String: Any])?["N"] as? [String: Any])
        for m in ReportMetric.allCases { XCTAssertTrue(site[m.rawValue] is NSNull, "\(m) is null") }
        XCTAssertEqual(try MetricsFile.read(folder.appendingPathComponent("metrics.json")).metrics["N"], n.metrics)

        let svg = try XMLCollector.parse(folder.appendingPathComponent("roc-N-image.svg"))
        XCTAssertFalse(svg.elements.contains { $0.name == "polyline" })
        XCTAssertTrue(svg.text.contains("AUROC n/a"))
    }

    func testCrossSiteTablesHaveOneRowAndColumnPerSiteAndABoldDiagonal() throws {
        let order = ["A", "B", "C"]
        func metrics(_ v: Double) -> SiteMetrics {
            SiteMetrics(imageAUROC: v, imageAP: v, imageF1: v, pixelAUROC: v / 2, pixelAP: v, pixelF1: v,
                        classAUROC: v, benignMalignantAUROC: .nan, classCounts: [1, 1, 1], pixels: 10, lesionPixels: 2)
        }
        var matrix: [String: [String: SiteMetrics]] = [:]
        for (i, train) in order.enumerated() {
            for (j, test) in order.enumerated() where !(train == "B" && test == "C") {
                matrix[train, default: [:]][test] = metrics(i == j ? 0.9 : 0.6 + 0.01 * Double(3 * i + j))
            }
        }
        let folder = try D.temporaryFolder(self)
        try EvaluationReport.writeCrossSite(matrix: matrix, order: order, to: folder)
        let md = try String(contentsOf: folder.appendingPathComponent("crosssite.md"), encoding: .utf8)
        for metric in ReportMetric.allCases {
            let rows = D.table(in: md, under: "## \(metric.title)")
            XCTAssertEqual(Set(rows.keys), Set(order), "\(metric)")
            for (i, train) in order.enumerated() {
                let cells = try XCTUnwrap(rows[train])
                XCTAssertEqual(cells.count, order.count)
                for (j, test) in order.enumerated() {
                    let cell = cells[j]
                    XCTAssertEqual(cell.hasPrefix("**"), i == j, "\(metric) \(train)->\(test): \(cell)")
                    guard let m = matrix[train]?[test] else { XCTAssertEqual(cell, "—"); continue }
                    let v = try XCTUnwrap(D.number(cell))
                    let want = metric.value(in: m)
                    if want.isNaN { XCTAssertTrue(v.isNaN) } else { XCTAssertEqual(v, want, accuracy: 5e-4) }
                }
            }
        }
        // In-domain 0.9 everywhere; cross-site mean of A->B, A->C, B->A, C->A, C->B.
        let offDiagonal: [Double] = [1, 2, 3, 6, 7].map { (k: Int) -> Double in 0.6 + 0.01 * Double(k) }
        let cross = offDiagonal.reduce(0, +) / 5
        XCTAssertTrue(md.contains("Mean in-domain 0.900, mean cross-site \(String(format: "%.3f", cross))."))
        XCTAssertEqual(try CrossSiteFile.read(folder.appendingPathComponent("crosssite.json")),
                       CrossSiteFile(sites: order, matrix: matrix))

        XCTAssertThrowsError(try EvaluationReport.writeCrossSite(matrix: ["D": [:]], order: order, to: folder)) {
            XCTAssertEqual($0 as? ReportError, .invalidArgument("cross-site matrix: trained-on site D is not in the order [\"A\", \"B\", \"C\"]"))
        }
    }

    func testInvalidPredictionsAreRejectedNamingTheImageAndAddNothing() throws {
        var acc = SiteAccumulator(name: "A")
        let good = D.evaluation("ok.png", label: 1, score: 0.5, probabilities: [0.2, 0.5, 0.3])
        try acc.add(good)
        var nanMap = good; nanMap.id = "nan.png"; nanMap.map.data[7] = .nan
        var badShape = good; badShape.id = "shape.png"; badShape.map = Tensor(zeros: [3, 4])
        var badLabel = good; badLabel.id = "label.png"; badLabel.label = 3
        var badProbs = good; badProbs.id = "probs.png"; badProbs.probabilities = [1, 0]
        var badImage = good; badImage.id = "image.png"; badImage.image = Tensor(zeros: [2, 4, 4])
        for bad in [nanMap, badShape, badLabel, badProbs, badImage] {
            XCTAssertThrowsError(try acc.add(bad)) { error in
                guard case let .invalidEvaluation(site, image, _)? = error as? ReportError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual([site, image], ["A", bad.id])
            }
        }
        XCTAssertEqual(acc.count, 1)
        let done = try acc.finish()
        XCTAssertEqual(done.metrics.pixels, D.height * D.width)
        XCTAssertThrowsError(try acc.add(good)) {
            XCTAssertEqual($0 as? ReportError, .invalidArgument("site A: add after finish()"))
        }
        XCTAssertThrowsError(try EvaluationReport.write(sites: [done, done], to: D.temporaryFolder(self), title: "dup")) {
            XCTAssertEqual($0 as? ReportError, .invalidArgument("site A appears twice"))
        }
    }

    func testOverlayPickerKeepsTheExtremesOfALongStream() throws {
        var picker = OverlayPicker(classes: 3, perClass: 2)
        var rng = SplitMix64(seed: 9)
        var scores: [Float] = []
        for seq in 0..<200 {
            let s = rng.nextUniform()
            scores.append(s)
            guard picker.wants(label: 0, score: s) else { continue }
            let e = D.evaluation("\(seq)", label: 0, score: s, probabilities: [1, 0, 0])
            picker.offer(try XCTUnwrap(OverlaySample(e, maxSide: 64)), seq: seq)
        }
        let sorted = scores.sorted()
        let picks = picker.picks()
        XCTAssertEqual(picks.map(\.score), [sorted[0], sorted[1], sorted[199], sorted[198]])
        XCTAssertEqual(picks.map { $0.roles.map(\.description) }, [["best 1"], ["best 2"], ["worst 1"], ["worst 2"]])
    }
}
