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
        // The backbone's folder (the cache also holds weights-digests.tsv and fingerprints.json).
        let backbone = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: cache.path).first { name in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: cache.appendingPathComponent(name).path, isDirectory: &folder) && folder.boolValue
        })
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

    /// A full disk while writing a checkpoint: a clear error naming the file and the free
    /// space, no partial file, and once space is freed training continues from the last
    /// good checkpoint to the bits of a run that never failed. The disk is a small tmpfs
    /// this test mounts (root only).
    func testAFullDiskStopsWithAClearErrorAndTrainingContinuesOnceSpaceIsFreed() throws {
        let disk = dir.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let (mounted, mountOutput) = try runProcess(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.path])
        guard mounted == 0 else { throw missingPrerequisite("cannot mount a tmpfs (needs root): \(mountOutput)") }
        defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/umount"), [disk.path]) }

        func args(_ run: URL, _ extra: [String]) -> [String] {
            ["train", "--pool", poolFile.path, "--run", run.path, "--steps", "6", "--seed", "7", "--adapter-rank", "4",
             "--chunk-size", "2", "--learning-rate", "0.005", "--checkpoint-every", "3", "--worker-timeout", "2", "--heartbeat", "0.2"] + extra
        }
        let reference = dir.appendingPathComponent("reference")
        var (status, output) = try runProcess(ultraad, args(reference, ["--local-workers", "1"]))
        XCTAssertEqual(status, 0, output)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: reference.appendingPathComponent("checkpoints/step-00000003.safetensors").path)[.size] as? Int)
        let pages = (size + 4095) / 4096

        // The coordinator waits for its worker with everything but metrics and checkpoints
        // written; then the disk is filled to leave one checkpoint and a half.
        let run = disk.appendingPathComponent("run")
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let coordinator = try procs.start(ultraad, args(run, ["--workers", "1"]), log: "full.log")
        XCTAssertTrue(eventually(30) { endpoint(run) != nil }, procs.log("full.log"))
        let free = try XCTUnwrap(try FileManager.default.attributesOfFileSystem(forPath: disk.path)[.systemFreeSize] as? Int)
        let filler = disk.appendingPathComponent("filler")
        try Data(count: free - (pages + pages / 2 + 1) * 4096).write(to: filler)
        try procs.start(worker, ["--connect", try XCTUnwrap(endpoint(run))], log: "worker.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("full.log"))
        XCTAssertNotEqual(coordinator.terminationStatus, 0)
        let log = procs.log("full.log")
        XCTAssertTrue(log.contains("\(run.path)/checkpoints/step-00000006.safetensors: cannot write safetensors file: write: No space left on device ("), log)
        XCTAssertTrue(log.contains("bytes free on the file system of \(run.path)/checkpoints)"), log)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path),
                       ["step-00000003.safetensors"], "no partial file left")

        try FileManager.default.removeItem(at: filler)
        (status, output) = try runProcess(ultraad, args(run, ["--local-workers", "1", "--resume"]))
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("resuming from step-00000003.safetensors (step 3)"), output)
        XCTAssertEqual(try finalParameters(run, step: 6), try finalParameters(reference, step: 6))
    }
}
