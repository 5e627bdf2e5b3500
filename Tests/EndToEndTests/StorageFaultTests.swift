import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Files damaged on disk: a checkpoint with a flipped bit is never resumed from, and a
/// damaged feature cache entry is computed again instead of stopping the run.
final class StorageFaultTests: ProcessTestCase {
    /// Flips one bit near the end of a file (inside the tensor data).
    func damage(_ url: URL) throws {
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0x10
        try bytes.write(to: url)
    }

    func testResumeSkipsADamagedCheckpointAndRefusesWhenNoneVerifies() throws {
        let run = dir.appendingPathComponent("run")
        let args = ["train", "--pool", poolFile.path, "--run", run.path, "--steps", "6", "--seed", "7", "--adapter-rank", "4",
                    "--chunk-size", "2", "--learning-rate", "0.005", "--checkpoint-every", "3", "--local-workers", "1"]
        var (status, output) = try runProcess(ultraad, args)
        XCTAssertEqual(status, 0, output)
        let reference = try finalParameters(run, step: 6)
        let newest = run.appendingPathComponent("checkpoints/step-00000006.safetensors")
        try damage(newest)

        (status, output) = try runProcess(ultraad, args + ["--resume"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("warning: --resume: \(newest.path): damaged: its tensor data has CRC-32C"), output)
        XCTAssertTrue(output.contains("resuming from step-00000003.safetensors (step 3)"), output)
        XCTAssertEqual(try finalParameters(run, step: 6), reference, "steps 4-6 again, to the same bits")

        try damage(newest)
        try damage(run.appendingPathComponent("checkpoints/step-00000003.safetensors"))
        (status, output) = try runProcess(ultraad, args + ["--resume"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--resume: none of the 2 checkpoints in \(run.path)/checkpoints reads and verifies"), output)
    }

    func testADamagedFeatureCacheEntryIsComputedAgainAndReplaced() throws {
        var (status, output) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                                        "--sites", "1", "--per-class", "3", "--size", "64", "--seed", "3"])
        XCTAssertEqual(status, 0, output)
        let config = try writeConfig("""
            version: 1
            run: {folder: run, seed: 3}
            backbone: {image_size: 64}
            sites: [{name: A, path: data/site-A}]
            train_sites: [A]
            fewshot: {shots: 1, views: [identity], cache: cache}
            train: {queries_per_class: 1}
            eval: {overlays: 0}
            """)
        for command in ["prepare", "evaluate"] {
            (status, output) = try runProcess(ultraad, [command, "--config", config.path])
            XCTAssertEqual(status, 0, output)
        }
        let metrics = try MetricsFile.read(dir.appendingPathComponent("run/metrics.json"))
        let cache = dir.appendingPathComponent("cache")
        let backbone = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: cache.path).first { !$0.hasSuffix(".tsv") })
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent(backbone).path).sorted()
            .map { cache.appendingPathComponent(backbone).appendingPathComponent($0) }
        XCTAssertEqual(entries.count, 9, "3 images per class, identity view")
        let original = try entries.map { try Data(contentsOf: $0) }
        for entry in entries { try damage(entry) }

        (status, output) = try runProcess(ultraad, ["evaluate", "--config", config.path])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output.components(separatedBy: ": damaged feature cache entry of ").count - 1, 6, "the 6 test images:\n\(output)")
        XCTAssertEqual(try MetricsFile.read(dir.appendingPathComponent("run/metrics.json")), metrics)
        // Each entry named in a warning is replaced by the same bits; the 3 shots' entries,
        // which evaluate does not read, stay damaged.
        for (entry, bytes) in zip(entries, original) {
            let named = output.contains("warning: \(entry.path): damaged feature cache entry of")
            XCTAssertEqual(try Data(contentsOf: entry) == bytes, named, entry.lastPathComponent)
        }
    }
}
