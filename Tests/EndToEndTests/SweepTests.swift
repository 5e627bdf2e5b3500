import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// `ultraad sweep` on simulated sites with builtin:tiny: plan, prepare (each image view
/// encoded once however many cells use it), run, report with the statistics recomputed here
/// from the cells' own metrics.json, an interrupted run continued to the same summary, and a
/// failing cell that is listed, not averaged.
final class SweepTests: XCTestCase {
    var dir: URL!
    var ultraad: URL { productsDirectory!.appendingPathComponent("ultraad") }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let (status, output) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                                        "--sites", "2", "--per-class", "4", "--size", "64", "--seed", "5"])
        XCTAssertEqual(status, 0, output)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A sweep file: 1 train-site set x 2 shot counts x 2 variants x 2 seeds = 8 cells.
    func writeSweep(_ name: String, folder: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try """
            version: 1
            run: {name: protocol, folder: \(folder), seed: 9}
            sites: [{name: A, path: data/site-A}, {name: B, path: data/site-B}]
            train_sites: [A]
            fewshot: {views: [identity, hflip], cache: cache}
            model: {adapter_rank: 4}
            train: {steps: 4, checkpoint_every: 2, queries_per_class: 1, learning_rate: 0.005}
            eval: {overlays: 0}
            coordinator: {heartbeat: 200ms, worker_timeout: 2s}
            sweep:
              train_sites: [[A]]
              shots: [1, 2]
              seeds: [1, 2]
              variants: {full: {}, no-fuse: {model: {ablate: [fuse]}}}
            """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func sweep(_ args: [String]) throws -> (Int32, String) { try runProcess(ultraad, ["sweep"] + args) }

    func summaryRows(_ folder: URL) throws -> [[String: Any]] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as? [[String: Any]])
    }

    func testASweepFromPlanToSummary() throws {
        let config = try writeSweep("sweep.yaml", folder: "sweep-a")
        var (status, output) = try sweep(["plan", "--config", config.path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("8 cell(s) = 1 train-site set(s) x 2 shot count(s) x 2 variant(s) x 2 seed(s)"), output)
        let distinct = try XCTUnwrap(output.firstMatch(of: /features: (\d+) distinct image view\(s\) \((\d+) asked for/), output)
        let views = Int(distinct.1)!, asked = Int(distinct.2)!
        XCTAssertGreaterThan(asked, 2 * views, "cells share their views")
        XCTAssertTrue(output.contains("\(views) still to extract"), output)

        // Each distinct image view is encoded once: the cache holds exactly that many entries.
        (status, output) = try sweep(["prepare", "--config", config.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        let entries = FileManager.default.enumerator(atPath: dir.appendingPathComponent("cache").path)!
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".feat") }
        XCTAssertEqual(entries.count, views, output)
        (status, output) = try sweep(["plan", "--config", config.path])
        XCTAssertTrue(output.contains("0 still to extract"), output)

        (status, output) = try sweep(["run", "--config", config.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        let computed = output.matches(of: /features: \d+ from the cache, (\d+) to compute/).map { Int($0.1)! }
        XCTAssertEqual(computed.count, 16, "prepare and evaluate of 8 cells:\n\(output)")
        XCTAssertEqual(computed.reduce(0, +), 0, "every feature came from the cache")
        XCTAssertTrue(output.contains("cell 8/8 A_s2_seed2_no-fuse"), output)
        XCTAssertTrue(output.contains("about "), "an ETA once a cell has finished:\n\(output)")
        let sweepA = dir.appendingPathComponent("sweep-a")
        // A cell's pool names the cache's entries instead of copying the features.
        let pool = try SafeTensorsReader(contentsOf: sweepA.appendingPathComponent("cells/A_s1_seed1_full/pool.safetensors"))
        XCTAssertEqual(pool.metadata["version"], "2")
        XCTAssertFalse(pool.names.contains("view.0.g"))
        (status, output) = try sweep(["report", "--config", config.path])
        XCTAssertEqual(status, 0, output)

        // Every plain row of summary.json, recomputed from the cells' metrics.json.
        let rows = try summaryRows(sweepA).filter { $0["difference_from"] == nil }
        XCTAssertEqual(rows.count, 2 * 2 * 2 * ReportMetric.allCases.count, "test sites x shots x variants x metrics")
        let t975df1 = 12.706204736174705   // scipy.stats.t.ppf(0.975, 1)
        for row in rows {
            let shots = row["shots"] as! Int, variant = row["variant"] as! String, site = row["test_site"] as! String
            let metric = try XCTUnwrap(ReportMetric(rawValue: row["metric"] as! String))
            let names = [1, 2].map { "A_s\(shots)_seed\($0)_\(variant)" }
            let values = try names.map { try XCTUnwrap(MetricsFile.read(sweepA.appendingPathComponent("cells/\($0)/metrics.json")).metrics[site]) }
                .map(metric.value).filter(\.isFinite)
            guard values.count == 2 else { XCTAssertEqual(row["n"] as? Int, values.count); continue }
            let mean = (values[0] + values[1]) / 2
            let std = ((pow(values[0] - mean, 2) + pow(values[1] - mean, 2)) / 1).squareRoot()
            XCTAssertEqual(row["runs"] as? [String], names)
            XCTAssertEqual(row["n"] as? Int, 2)
            XCTAssertEqual(try XCTUnwrap(row["mean"] as? Double), mean, accuracy: 1e-12, "\(row)")
            XCTAssertEqual(try XCTUnwrap(row["std"] as? Double), std, accuracy: 1e-12, "\(row)")
            let ci = try XCTUnwrap(row["ci95"] as? [Double])
            XCTAssertEqual(ci[0], mean - t975df1 * std / 2.0.squareRoot(), accuracy: 1e-9, "\(row)")
            XCTAssertEqual(ci[1], mean + t975df1 * std / 2.0.squareRoot(), accuracy: 1e-9, "\(row)")
        }
        for name in ["summary.md", "summary.csv", "summary.tex", "summary.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: sweepA.appendingPathComponent(name).path), name)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: sweepA.appendingPathComponent("cells/A_s1_seed1_full/tensorboard").path))

        // The same sweep in another folder, interrupted during its third cell and run again,
        // gives the same summary, byte for byte.
        let configB = try writeSweep("sweep-b.yaml", folder: "sweep-b")
        let processes = Processes(dir: dir)
        defer { processes.stopAll() }
        let first = try processes.start(ultraad, ["sweep", "run", "--config", configB.path, "--local-workers", "1"], log: "b.log")
        XCTAssertTrue(eventually(120) { processes.log("b.log").contains("cell 3/8") }, processes.log("b.log"))
        Thread.sleep(forTimeInterval: 0.3)
        first.interrupt()
        first.waitUntilExit()
        XCTAssertNotEqual(first.terminationStatus, 0, processes.log("b.log"))
        (status, output) = try sweep(["plan", "--config", configB.path, "--no-features"])
        XCTAssertFalse(output.contains("8 done"), output)
        (status, output) = try sweep(["run", "--config", configB.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("already done"), output)
        (status, output) = try sweep(["report", "--config", configB.path])
        XCTAssertEqual(status, 0, output)
        let sweepB = dir.appendingPathComponent("sweep-b")
        XCTAssertEqual(try Data(contentsOf: sweepB.appendingPathComponent("summary.json")),
                       try Data(contentsOf: sweepA.appendingPathComponent("summary.json")))

        // A cell that fails (its folder cannot be made) is recorded; the others are kept,
        // the exit status says so, and the summary lists it instead of averaging it.
        let broken = sweepB.appendingPathComponent("cells/A_s2_seed1_full")
        try FileManager.default.removeItem(at: broken)
        try Data("not a folder".utf8).write(to: broken)
        (status, output) = try sweep(["run", "--config", configB.path, "--local-workers", "1"])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("A_s2_seed1_full FAILED"), output)
        XCTAssertTrue(output.contains("7 already done"), output)
        (status, output) = try sweep(["report", "--config", configB.path])
        XCTAssertEqual(status, 0, output)
        let md = try String(contentsOf: sweepB.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("A_s2_seed1_full"), md)
        for row in try summaryRows(sweepB) {
            XCTAssertFalse((row["runs"] as? [String] ?? []).joined(separator: " ").contains("A_s2_seed1_full"), "\(row)")
        }
    }

    func testTheSweepFileIsCheckedAndOtherCommandsRefuseIt() throws {
        let config = try writeSweep("sweep.yaml", folder: "s")
        var (status, output) = try runProcess(ultraad, ["train", "--config", config.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("this file describes a sweep"), output)
        let text = try String(contentsOf: config, encoding: .utf8)
        for (bad, message) in [("no-fuse: {model: {ablate: [fuse]}}", "no-fuse: {fewshot: {shots: 3}}"),
                               ("shots: [1, 2]", "shots: [1, 0]"), ("train_sites: [[A]]", "train_sites: [[C]]")] {
            try text.replacingOccurrences(of: bad, with: message).write(to: config, atomically: true, encoding: .utf8)
            (status, output) = try sweep(["plan", "--config", config.path, "--no-features"])
            XCTAssertNotEqual(status, 0, message)
            XCTAssertTrue(output.contains("sweep."), "\(message): \(output)")
        }
        (status, output) = try sweep(["run", "--config", try writeSweep("ok.yaml", folder: "s").path, "--cell", "99"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--cell: 99 is neither a cell name nor an index 0..<8"), output)
    }
}
