import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The sweep summary against NumPy and SciPy (scripts/fixtures/make_sweep_fixtures.py):
/// the t quantiles, every row and paired difference of a synthetic sweep with a NaN seed,
/// a failed and a not-run cell, and the files written from it.
final class SweepSummaryTests: XCTestCase {
    /// synthetic.json: the sweep's inputs and the rows NumPy and SciPy computed.
    struct Fixture: Decodable {
        struct Cell: Decodable {
            var name: String
            var trainSites: [String]
            var shots: Int
            var seed: UInt64
            var variant: String
            var metrics: [String: SiteMetrics]?
            var failure: String?
            enum CodingKeys: String, CodingKey {
                case name, trainSites = "train_sites", shots, seed, variant, metrics, failure
            }
        }
        var title: String
        var testSites: [String]
        var variants: [String]
        var reference: String
        var cells: [Cell]
        var rows: [SweepSummary.Row]
        var differences: [SweepSummary.Row]
        enum CodingKeys: String, CodingKey {
            case title, testSites = "test_sites", variants, reference, cells, rows, differences
        }

        var outcomes: [SweepCellOutcome] {
            cells.map { SweepCellOutcome(name: $0.name, trainSites: $0.trainSites, shots: $0.shots, seed: $0.seed,
                                         variant: $0.variant, metrics: $0.metrics, failure: $0.failure) }
        }

        static func load() throws -> Fixture {
            try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("sweep/synthetic.json")))
        }

        func summary() throws -> SweepSummary {
            try SweepSummary(title: title, cells: outcomes, variants: variants, reference: reference, testSites: testSites)
        }
    }

    func testStudentTQuantilesMatchSciPy() throws {
        let cases = try XCTUnwrap(Fixtures.json("sweep/student_t.json")["cases"] as? [[String: Any]])
        XCTAssertEqual(Set(cases.map { ($0["df"] as! NSNumber).intValue }), [1, 2, 3, 5, 10, 30, 100, 1000])
        for c in cases {
            let df = (c["df"] as! NSNumber).doubleValue, p = (c["p"] as! NSNumber).doubleValue
            let expected = (c["t"] as! NSNumber).doubleValue
            XCTAssertEqual(StudentT.quantile(p, degreesOfFreedom: df), expected, accuracy: 1e-10 * abs(expected),
                           "t(\(p), df \(df))")
        }
        // Closed forms: df 1 is Cauchy, df 2 has t = (2p - 1) sqrt(2 / (4 p (1 - p))).
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 1), tan(Double.pi * 0.475), accuracy: 1e-10 * 12.7)
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 2), 0.95 * (2 / (4 * 0.975 * 0.025)).squareRoot(), accuracy: 1e-10 * 4.3)
        XCTAssertEqual(StudentT.quantile(0.5, degreesOfFreedom: 4), 0)
    }

    func testSyntheticSweepMatchesTheNumPyReference() throws {
        let fixture = try Fixture.load()
        let summary = try fixture.summary()
        XCTAssertEqual(summary.trainSiteSets, [["B"], ["A", "B"]], "in order of first appearance")
        XCTAssertEqual(summary.shots, [1, 4])
        XCTAssertEqual(summary.rows.count, 2 * 2 * 2 * 2 * 8)
        XCTAssertEqual(summary.differences.count, 2 * 2 * 2 * 8)
        for (what, actual, expected) in [("row", summary.rows, fixture.rows), ("difference", summary.differences, fixture.differences)] {
            XCTAssertEqual(actual.count, expected.count)
            for (a, e) in zip(actual, expected) {
                let id = "\(what) \(e.trainSites) \(e.testSite) \(e.shots) \(e.variant) \(e.metric)"
                XCTAssertEqual([a.trainSites, [a.testSite, a.variant, a.metric.rawValue]], [e.trainSites, [e.testSite, e.variant, e.metric.rawValue]], id)
                XCTAssertEqual(a.shots, e.shots, id)
                XCTAssertEqual(a.n, e.n, id)
                XCTAssertEqual(a.runs, e.runs, id)
                XCTAssertEqual(a.differenceFrom, e.differenceFrom, id)
                assertClose(a.mean, e.mean, "\(id) mean")
                assertClose(a.std, e.std, "\(id) std")
                assertClose(a.ci95?.lowerBound, e.ci95?.lowerBound, "\(id) ci95 lo")
                assertClose(a.ci95?.upperBound, e.ci95?.upperBound, "\(id) ci95 hi")
            }
        }

        // A NaN seed lowers n; with one value left, std and the interval are undefined; with none, the mean too.
        let nanSeed = try XCTUnwrap(row(summary.rows, ["B"], "A", 4, "no-adapter", .pixelAP))
        XCTAssertEqual(nanSeed.n, 2)
        XCTAssertEqual(nanSeed.runs, ["B-4shot-seed8-no-adapter", "B-4shot-seed9-no-adapter"])
        let single = try XCTUnwrap(row(summary.rows, ["B"], "B", 1, "no-adapter", .benignMalignantAUROC))
        XCTAssertEqual(single.n, 1)
        XCTAssertNotNil(single.mean)
        XCTAssertNil(single.std)
        XCTAssertNil(single.ci95)
        let none = try XCTUnwrap(row(summary.rows, ["A", "B"], "A", 1, "full", .classAUROC))
        XCTAssertEqual(none.n, 0)
        XCTAssertNil(none.mean)
        XCTAssertEqual(none.runs, [])
        let pairedSingle = try XCTUnwrap(row(summary.differences, ["B"], "B", 1, "no-adapter", .benignMalignantAUROC))
        XCTAssertEqual(pairedSingle.n, 1)
        XCTAssertNil(pairedSingle.ci95)

        // The cells without metrics are listed, and count in no row.
        XCTAssertEqual(summary.failed.map(\.name), ["B-1shot-seed9-no-adapter", "A+B-4shot-seed8-no-adapter"])
        XCTAssertEqual(summary.failed.map(\.status), ["not run", "training failed: worker 2 lost (connection reset)"])
        for r in summary.rows + summary.differences {
            XCTAssertFalse(r.runs.contains { summary.failed.map(\.name).contains($0) }, "\(r.runs)")
        }
        let failedSeed = try XCTUnwrap(row(summary.rows, ["A", "B"], "B", 4, "no-adapter", .imageAUROC))
        XCTAssertEqual(failedSeed.n, 2)
    }

    func testFilesHoldTheRowsTablesAndPlots() throws {
        let fixture = try Fixture.load()
        let summary = try fixture.summary()
        let folder = try TestSupport.temporaryFolder(self, prefix: "ultraad-sweep").appendingPathComponent("summary")
        let written = try summary.write(to: folder)
        let names = ["summary.json", "summary.csv", "summary.tex", "summary.html", "summary.md"]
        XCTAssertEqual(written.suffix(5).map(\.lastPathComponent), names)
        for n in names { XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(n).path), n) }

        // summary.json: the rows, then the differences, nulls where undefined, never NaN.
        let jsonData = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        XCTAssertEqual(try JSONDecoder().decode([SweepSummary.Row].self, from: jsonData), summary.rows + summary.differences)
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: jsonData) as? [[String: Any]])
        XCTAssertEqual(Set(objects[0].keys), ["train_sites", "test_site", "shots", "variant", "metric", "mean", "std", "n", "ci95", "runs"])
        XCTAssertEqual(Set(objects.last!.keys), Set(objects[0].keys).union(["difference_from"]))
        XCTAssertEqual(objects.last?["difference_from"] as? String, "full")
        let json = String(decoding: jsonData, as: UTF8.self)
        XCTAssertFalse(json.contains("NaN") || json.contains("Infinity"))
        let n0 = try XCTUnwrap(objects.first { $0["n"] as? Int == 0 })
        XCTAssertTrue(n0["mean"] is NSNull && n0["std"] is NSNull && n0["ci95"] is NSNull)

        // summary.csv: a header and one line per row.
        let csv = try CSV.parse(String(contentsOf: folder.appendingPathComponent("summary.csv"), encoding: .utf8))
        XCTAssertEqual(csv.count, 1 + summary.rows.count + summary.differences.count)
        XCTAssertEqual(csv[0].fields, ["train_sites", "test_site", "shots", "variant", "metric", "mean", "std", "n",
                                       "ci95_lo", "ci95_hi", "runs", "difference_from"])
        let first = summary.rows[0]
        XCTAssertEqual(csv[1].fields[0...4], ["B", "A", "1", "full", "imageAUROC"])
        XCTAssertEqual(Double(csv[1].fields[5]), first.mean)
        XCTAssertEqual(Double(csv[1].fields[9]), first.ci95?.upperBound)
        XCTAssertEqual(csv[1].fields[10], "B-1shot-seed7-full B-1shot-seed8-full B-1shot-seed9-full")
        let single = try XCTUnwrap(csv.first { $0.fields[7] == "1" && $0.fields[11].isEmpty })
        XCTAssertEqual(single.fields[6...9], ["", "1", "", ""])

        // summary.md: a mean ± std computed here from the fixture's cells, the failed cells, the notes.
        let md = try String(contentsOf: folder.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("# Synthetic sweep\n"))
        let values = fixture.cells.filter { $0.trainSites == ["A", "B"] && $0.shots == 4 && $0.variant == "full" }
            .map { $0.metrics!["B"]!.imageAUROC }
        XCTAssertEqual(values.count, 3)
        let mean = values.reduce(0, +) / 3
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        let section = try XCTUnwrap(md.components(separatedBy: "## Trained on A + B, tested on B\n").dropFirst().first)
        XCTAssertTrue(section.contains("\n| 4 | full | " + String(format: "%.3f ± %.3f", mean, std) + " | "), section)
        let singleRow = try XCTUnwrap(row(summary.rows, ["B"], "B", 1, "no-adapter", .benignMalignantAUROC))
        XCTAssertTrue(md.contains(String(format: " | %.3f ± n/a |\n", try XCTUnwrap(singleRow.mean))))
        let difference = try XCTUnwrap(row(summary.differences, ["A", "B"], "B", 4, "no-adapter", .imageAUROC))
        XCTAssertTrue(section.contains("\n| 4 | no-adapter | \(signed(difference.mean!)) [\(signed(difference.ci95!.lowerBound)), "
                                       + "\(signed(difference.ci95!.upperBound))] | "), section)
        XCTAssertTrue(md.contains("- A+B-4shot-seed8-no-adapter (trained on A + B, shots 4, seed 8, variant no-adapter): "
                                  + "training failed: worker 2 lost (connection reset)\n"))
        XCTAssertTrue(md.contains("- B-1shot-seed9-no-adapter (trained on B, shots 1, seed 9, variant no-adapter): not run\n"))
        XCTAssertTrue(md.contains("## Cross-site\n"))
        XCTAssertTrue(md.contains("left out of that metric's n"))

        // summary.tex: a tabular of means and one of differences per (train sites, test site).
        let tex = try String(contentsOf: folder.appendingPathComponent("summary.tex"), encoding: .utf8)
        XCTAssertEqual(tex.components(separatedBy: "\\begin{tabular}").count - 1, 2 * 2 * 2)
        XCTAssertEqual(tex.components(separatedBy: "\\end{tabular}").count - 1, 2 * 2 * 2)
        XCTAssertTrue(tex.contains("4 & full & " + String(format: "%.3f $\\pm$ %.3f", mean, std) + " & "))
        XCTAssertTrue(tex.contains("mean [95\\% interval]"))

        // plots/: eight well-formed SVGs per (train sites, test site), error bars where n >= 2.
        let plots = written.filter { $0.pathExtension == "svg" }
        XCTAssertEqual(plots.count, 2 * 2 * 8)
        XCTAssertTrue(plots.contains { $0.lastPathComponent == "A_B-B-imageAUROC.svg" }, "\(plots.map(\.lastPathComponent))")
        for url in plots {
            XCTAssertEqual(url.deletingLastPathComponent().lastPathComponent, "plots")
            _ = try XMLCollector.parse(url)
        }
        let chart = try XMLCollector.parse(folder.appendingPathComponent("plots/A_B-B-imageAUROC.svg"))
        XCTAssertEqual(chart.elements.filter { $0.name == "polyline" }.count, 2, "one line per variant")
        XCTAssertEqual(chart.elements.filter { $0.name == "circle" }.count, 4, "2 shots x 2 variants")
        XCTAssertEqual(chart.elements.filter { $0.attributes["class"] == "bar" }.count, 4)
        let nanChart = try XMLCollector.parse(folder.appendingPathComponent("plots/B-B-benignMalignantAUROC.svg"))
        XCTAssertEqual(nanChart.elements.filter { $0.attributes["class"] == "bar" }.count, 3, "none for the n = 1 point")

        // summary.html: self-contained, with every plot inline.
        let html = try String(contentsOf: folder.appendingPathComponent("summary.html"), encoding: .utf8)
        let outside = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        XCTAssertFalse(outside.contains("http://") || outside.contains("https://"))
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 2 * 2 * 8)
        XCTAssertTrue(html.contains("<td class=\"n\">" + String(format: "%.3f ± %.3f", mean, std) + "</td>"))
        XCTAssertTrue(html.contains("A+B-4shot-seed8-no-adapter"))
    }

    func testCellsThatAreNotOneSweepAreRejected() throws {
        let cells = try Fixture.load().outcomes
        func reason(_ cells: [SweepCellOutcome], variants: [String] = ["full", "no-adapter"], reference: String? = "full",
                    testSites: [String] = ["A", "B"]) -> String? {
            do {
                _ = try SweepSummary(title: "t", cells: cells, variants: variants, reference: reference, testSites: testSites)
                return nil
            } catch {
                guard case let .invalidArgument(reason) = error else { return "\(error)" }
                return reason
            }
        }
        XCTAssertNil(reason(cells))
        XCTAssertEqual(reason(cells, variants: ["full"]),
                       "sweep summary: cell B-4shot-seed7-no-adapter: variant no-adapter is not among [\"full\"]")
        XCTAssertEqual(reason(cells, reference: "none"), "sweep summary: reference none is not among the variants [\"full\", \"no-adapter\"]")
        XCTAssertEqual(reason(cells, testSites: ["A"]),
                       "sweep summary: cell B-4shot-seed7-no-adapter has metrics of site B, which is not among the test sites [\"A\"]")
        XCTAssertEqual(reason(cells + [cells[0]]), "sweep summary: cell B-4shot-seed7-no-adapter appears twice")
        var again = cells[0]
        again.name = "copy"
        XCTAssertEqual(reason(cells + [again]), "sweep summary: cell copy has the train sites, shots, variant and seed of another cell")
        // No reference: no differences, the same rows.
        let plain = try SweepSummary(title: "t", cells: cells, variants: ["full", "no-adapter"], reference: nil, testSites: ["A", "B"])
        XCTAssertEqual(plain.differences, [])
        XCTAssertEqual(plain.rows, try Fixture.load().summary().rows)
    }

    /// Equal within 1e-9 relative, or both nil.
    func assertClose(_ a: Double?, _ b: Double?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a, let b else { return XCTAssertTrue(a == nil && b == nil, "\(what): \(String(describing: a)) vs \(String(describing: b))", file: file, line: line) }
        XCTAssertEqual(a, b, accuracy: 1e-9 * abs(b) + 1e-15, what, file: file, line: line)
    }

    func row(_ rows: [SweepSummary.Row], _ train: [String], _ test: String, _ shots: Int, _ variant: String,
             _ metric: ReportMetric) -> SweepSummary.Row? {
        rows.first { $0.trainSites == train && $0.testSite == test && $0.shots == shots && $0.variant == variant && $0.metric == metric }
    }

    /// "+0.012" or "−0.004" (U+2212), as the difference tables write them.
    func signed(_ v: Double) -> String { (v < 0 ? "\u{2212}" : "+") + String(format: "%.3f", abs(v)) }
}
