import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The whole pipeline on simulated data with builtin:tiny: simulate, prepare, zero-shot
/// evaluation, training across worker processes, evaluation, report.
final class PipelineTests: XCTestCase {
    func testDemoTrainsAboveZeroShotAndWritesAParsableReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ultraad = productsDirectory!.appendingPathComponent("ultraad")
        let (status, output) = try runProcess(ultraad, ["demo", "--out", dir.path, "--per-class", "6",
                                                        "--steps", "60", "--local-workers", "2"])
        XCTAssertEqual(status, 0, output)
        let run = dir.appendingPathComponent("run")
        for file in ["report.md", "metrics.json", "shots.csv", "pool.safetensors", "metrics.jsonl",
                     "zero-shot/report.md", "zero-shot/metrics.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file) missing")
        }
        let trained = try MetricsFile.read(run.appendingPathComponent("metrics.json"))
        let zero = try MetricsFile.read(run.appendingPathComponent("zero-shot/metrics.json"))
        XCTAssertEqual(trained.sites, ["A", "B"])
        let a = try XCTUnwrap(trained.metrics["A"]), a0 = try XCTUnwrap(zero.metrics["A"])
        let b = try XCTUnwrap(trained.metrics["B"])
        // 6 images per class and site, 4 per class of A are shots, B is all test; maps and
        // masks at builtin:tiny's 224 x 224.
        XCTAssertEqual(a.classCounts, [2, 2, 2])
        XCTAssertEqual(a.pixels, 6 * 224 * 224)
        XCTAssertEqual(b.classCounts, [6, 6, 6])
        XCTAssertEqual(b.pixels, 18 * 224 * 224)
        XCTAssertGreaterThan(a.pixelAUROC, a0.pixelAUROC, "training must raise pixel AUROC over zero-shot:\n\(output)")
        let report = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("builtin:tiny"), "the report says what builtin:tiny is")
        // Every metric of both sites is defined, and report.md shows metrics.json's values.
        let rows = ReportTestData.table(in: report, under: "## Metrics")
        for (name, site) in [("A", a), ("B", b)] {
            let cells = try XCTUnwrap(rows[name], "no \(name) row in:\n\(report)")
            XCTAssertEqual(cells.count, ReportMetric.allCases.count)
            for (cell, metric) in zip(cells, ReportMetric.allCases) {
                let v = try XCTUnwrap(ReportTestData.number(cell), "\(name) \(metric): \(cell)")
                XCTAssertEqual(v, metric.value(in: site), accuracy: 5e-4, "\(name) \(metric): \(cell)")
            }
        }
        let svgs = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.hasSuffix(".svg") }
        XCTAssertEqual(svgs.count, 4, "image and pixel ROC per site: \(svgs)")
        let overlays = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("overlays").path)
        // eval.overlays 6: the best and the worst image of each class, on each site.
        XCTAssertEqual(overlays.count, 2 * 3 * 2, "\(overlays)")
    }
}

extension PipelineTests {
    /// crosssite trains on each site and tests on every site; a second prepare over the
    /// same data reads the feature cache instead of running CLIP again.
    func testCrossSiteMatrixAndTheFeatureCache() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xsite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ultraad = productsDirectory!.appendingPathComponent("ultraad")
        var (status, output) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                                        "--sites", "2", "--per-class", "5", "--size", "96", "--seed", "3"])
        XCTAssertEqual(status, 0, output)
        let config = dir.appendingPathComponent("cluster.yaml")
        try """
            version: 1
            run: {name: xs, folder: run, seed: 3}
            sites: [{name: A, path: data/site-A}, {name: B, path: data/site-B}]
            train_sites: [A]
            fewshot: {shots: 2, views: [identity, hflip], cache: cache}
            model: {adapter_rank: 8}
            train: {steps: 6, checkpoint_every: 0}
            """.write(to: config, atomically: true, encoding: .utf8)
        (status, output) = try runProcess(ultraad, ["prepare", "--config", config.path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("0 from the cache, 12 to compute"), output)
        (status, output) = try runProcess(ultraad, ["prepare", "--config", config.path])
        XCTAssertTrue(output.contains("12 from the cache, 0 to compute"), output)

        (status, output) = try runProcess(ultraad, ["crosssite", "--config", config.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        let matrix = try CrossSiteFile.read(dir.appendingPathComponent("run/crosssite.json"))
        XCTAssertEqual(matrix.sites, ["A", "B"])
        let md = try String(contentsOf: dir.appendingPathComponent("run/crosssite.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("\n## Pixel AUROC\n"), md)
        // Each cell of crosssite.md's pixel AUROC table is crosssite.json's value, defined.
        let table = ReportTestData.table(in: md, under: "## Pixel AUROC")
        XCTAssertEqual(Set(table.keys), ["A", "B"], md)
        for trained in ["A", "B"] {
            for (column, tested) in ["A", "B"].enumerated() {
                let m = try XCTUnwrap(matrix.matrix[trained]?[tested], "\(trained) -> \(tested)")
                let cell = try XCTUnwrap(table[trained]?[column], "\(trained) -> \(tested)")
                XCTAssertEqual(try XCTUnwrap(ReportTestData.number(cell), cell), m.pixelAUROC, accuracy: 5e-4,
                               "\(trained) -> \(tested): \(cell)")
            }
        }

        // `run`, then `run --resume`: the pool is there, so no preparation; training
        // continues from the last checkpoint (here the final one: nothing left to do).
        (status, output) = try runProcess(ultraad, ["run", "--config", config.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output.components(separatedBy: "features: ").count - 1, 2, "prepare and evaluate:\n\(output)")
        (status, output) = try runProcess(ultraad, ["run", "--config", config.path, "--local-workers", "1", "--resume"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("resuming from step-00000006"), output)
        // The resumed session's event file starts with a session start after the checkpoint's step.
        let events = dir.appendingPathComponent("run/tensorboard")
        let starts = try FileManager.default.contentsOfDirectory(atPath: events.path).flatMap {
            try TensorBoardEvents.read(events.appendingPathComponent($0)).filter(\.sessionStart).map(\.step)
        }
        XCTAssertEqual(starts, [7])
        XCTAssertEqual(output.components(separatedBy: "features: ").count - 1, 1, "evaluate only:\n\(output)")
        XCTAssertTrue(output.contains("report: "), output)
    }
}
