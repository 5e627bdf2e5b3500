import Foundation
import XCTest
@testable import Shared

/// The whole pipeline on simulated data with builtin:tiny: simulate, prepare, zero-shot
/// evaluation, training across worker processes, evaluation, report.
final class PipelineTests: XCTestCase {
    func testDemoTrainsAboveZeroShotAndWritesAParsableReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ultraad = productsDirectory!.appendingPathComponent("ultraad")
        let (status, output) = try runProcess(ultraad, ["demo", "--out", dir.path, "--per-class", "6",
                                                        "--steps", "60", "--workers", "2"])
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
        for v in [a.imageAUROC, a.pixelAUROC, a.imageAP, a.pixelAP] { XCTAssertTrue(v >= 0 && v <= 1, "\(a)") }
        XCTAssertGreaterThan(a.pixelAUROC, a0.pixelAUROC, "training must raise pixel AUROC over zero-shot:\n\(output)")
        let report = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("builtin:tiny"), "the report says what builtin:tiny is")
        let svgs = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.hasSuffix(".svg") }
        XCTAssertEqual(svgs.count, 4, "image and pixel ROC per site: \(svgs)")
        let overlays = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("overlays").path)
        XCTAssertFalse(overlays.isEmpty)
    }
}
