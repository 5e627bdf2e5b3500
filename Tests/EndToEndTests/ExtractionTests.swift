import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// `prepare` and `evaluate` extracting features on worker processes (EXTRACT / FEATURES):
/// the same bits as in-process extraction, a killed worker, a backbone a worker cannot load.
final class ExtractionTests: ProcessTestCase {
    /// Two simulated sites (3 images per class, 96 px); site A gives 2 shots per class.
    func simulate() throws {
        let (status, output) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                                        "--sites", "2", "--per-class", "3", "--size", "96", "--seed", "3"])
        XCTAssertEqual(status, 0, output)
    }

    /// A config whose run folder and cache are `NAME-run` and `NAME-cache`; every other
    /// key is the same for every name, so the runs must agree.
    func config(_ name: String, views: String = "[identity, hflip]", backbone: String = "") throws -> URL {
        let url = dir.appendingPathComponent("\(name).yaml")
        try """
            version: 1
            run: {name: extraction, folder: \(name)-run, seed: 3}
            \(backbone)
            sites: [{name: A, path: data/site-A}, {name: B, path: data/site-B}]
            train_sites: [A]
            fewshot: {shots: 2, views: \(views), cache: \(name)-cache}
            model: {adapter_rank: 8}
            coordinator: {bind: "tcp://127.0.0.1:*", heartbeat: 200ms, worker_timeout: 2s}
            """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Every file of a feature cache, by path inside it.
    func cacheFiles(_ name: String) throws -> [String: Data] {
        let root = dir.appendingPathComponent("\(name)-cache")
        var files = [String: Data]()
        for case let path as String in FileManager.default.enumerator(atPath: root.path)! where path.hasSuffix(".feat") {
            files[path] = try Data(contentsOf: root.appendingPathComponent(path))
        }
        return files
    }

    func run(_ arguments: [String]) throws -> String {
        let (status, output) = try runProcess(ultraad, arguments)
        XCTAssertEqual(status, 0, output)
        return output
    }

    func file(_ path: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(path)) }

    /// One CLIP thread in this process and in each worker: the GEMMs split their rows
    /// alike, so the features are the same bits.
    func testPrepareOnTwoLocalWorkersWritesTheSameCacheAndPoolBitsAsInProcess() throws {
        try simulate()
        _ = try run(["prepare", "--config", try config("here").path, "--threads", "1"])
        let output = try run(["prepare", "--config", try config("workers").path, "--threads", "1",
                              "--local-workers", "2", "--worker-threads", "1"])
        XCTAssertTrue(output.contains("0 from the cache, 12 to compute"), output)
        XCTAssertTrue(output.contains("extracted 12 image views in 2 batches on 2 workers"), output)
        let reference = try cacheFiles("here"), distributed = try cacheFiles("workers")
        XCTAssertEqual(reference.count, 12)
        XCTAssertEqual(distributed, reference)
        XCTAssertEqual(try file("workers-run/pool.safetensors"), try file("here-run/pool.safetensors"))
        XCTAssertEqual(try file("workers-run/shots.csv"), try file("here-run/shots.csv"))
    }

    func testEvaluateOnTwoLocalWorkersGivesTheSameMetrics() throws {
        try simulate()
        let here = try config("here"), workers = try config("workers")
        _ = try run(["prepare", "--config", here.path, "--threads", "1"])
        try FileManager.default.copyItem(at: dir.appendingPathComponent("here-run"), to: dir.appendingPathComponent("workers-run"))
        _ = try run(["evaluate", "--config", here.path, "--threads", "1"])
        let output = try run(["evaluate", "--config", workers.path, "--threads", "1", "--local-workers", "2"])
        // Test images: A without its 6 shots, and all of B: 3 + 9, in 2 batches.
        XCTAssertTrue(output.contains("extracted 12 image views in 2 batches on 2 workers"), output)
        let reference = try cacheFiles("here"), distributed = try cacheFiles("workers")
        XCTAssertEqual(reference.count, 24, "12 support views and 12 test images")
        XCTAssertEqual(distributed.count, 12)
        for (path, bytes) in distributed { XCTAssertEqual(reference[path], bytes, path) }
        XCTAssertEqual(try file("workers-run/metrics.json"), try file("here-run/metrics.json"))
    }

    /// The victim is slow, so it is still computing its batch when it is killed; the batch
    /// goes to the other worker and the cache ends up as in-process extraction makes it.
    func testAWorkerKilledMidBatchLeavesTheCacheAsInProcess() throws {
        try simulate()
        _ = try run(["prepare", "--config", try config("here", views: "[identity, hflip, rot+10]").path, "--threads", "1"])
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let coordinator = try procs.start(ultraad, ["prepare", "--config", try config("workers", views: "[identity, hflip, rot+10]").path,
                                                    "--threads", "1", "--workers", "2"], log: "coordinator.log")
        let endpointFile = dir.appendingPathComponent("workers-run/coordinator.endpoint")
        XCTAssertTrue(eventually(30) { FileManager.default.fileExists(atPath: endpointFile.path) }, procs.log("coordinator.log"))
        let ep = try String(contentsOf: endpointFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let victim = try procs.start(worker, ["--connect", ep, "--threads", "1", "--delay-per-block-ms", "20000"], log: "victim.log")
        try procs.start(worker, ["--connect", ep, "--threads", "1", "--delay-per-block-ms", "100"], log: "survivor.log")
        XCTAssertTrue(eventually(30) { (try? cacheFiles("workers").count) ?? 0 > 0 }, procs.log("coordinator.log"))
        kill(victim.processIdentifier, SIGKILL)
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertEqual(coordinator.terminationStatus, 0, log)
        XCTAssertTrue(log.contains(": dead") || log.contains("unreachable"), "the killed worker was noticed: \(log)")
        XCTAssertTrue(log.contains("is back in the queue"), "its batch was given to the other worker: \(log)")
        XCTAssertEqual(try cacheFiles("workers"), try cacheFiles("here"))
        XCTAssertEqual(try cacheFiles("here").count, 18)
        XCTAssertEqual(try file("workers-run/pool.safetensors"), try file("here-run/pool.safetensors"))
    }

    /// The weights file exists when the coordinator loads it and is gone when the worker
    /// does: the command fails, naming the file, instead of waiting forever.
    func testAWorkerThatCannotLoadTheBackboneFailsTheCommandNamingTheWeights() throws {
        try workerBackboneFails(whenTheFile: "is moved away", "cannot load the backbone \(dir.appendingPathComponent("coordinator-only.safetensors").path)") { weights in
            try FileManager.default.moveItem(at: weights, to: dir.appendingPathComponent("elsewhere.safetensors"))
        }
    }

    /// The worker's copy of the weights differs from the coordinator's (one byte of a
    /// tensor): its features would be stored under the coordinator's key, so it refuses.
    func testAWorkerWhoseWeightsDifferFromTheCoordinatorsFailsTheCommandNamingBothDigests() throws {
        try workerBackboneFails(whenTheFile: "differs", "here is not the coordinator's: this machine's copy (content digest") { weights in
            var bytes = [UInt8](try Data(contentsOf: weights))
            bytes[bytes.count - 3] ^= 0x01
            try Data(bytes).write(to: weights)
        }
    }

    /// `prepare` with one worker, whose weights file `change` alters once the coordinator
    /// has its digest: the command fails with the worker's error, which contains `message`.
    private func workerBackboneFails(whenTheFile what: String, _ message: String, change: (URL) throws -> Void) throws {
        try simulate()
        let weights = dir.appendingPathComponent("coordinator-only.safetensors")
        try FileManager.default.copyItem(at: Fixtures.url("clip/openclip.safetensors"), to: weights)
        try FileManager.default.copyItem(at: Fixtures.url("clip/tiny_bpe.txt.gz"), to: dir.appendingPathComponent("bpe.txt.gz"))
        let yaml = try config("workers", backbone: "backbone: {weights: coordinator-only.safetensors, vocab: bpe.txt.gz}")
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let coordinator = try procs.start(ultraad, ["prepare", "--config", yaml.path, "--workers", "1"], log: "coordinator.log")
        let endpointFile = dir.appendingPathComponent("workers-run/coordinator.endpoint")
        XCTAssertTrue(eventually(30) { FileManager.default.fileExists(atPath: endpointFile.path) }, procs.log("coordinator.log"))
        try change(weights)
        let ep = try String(contentsOf: endpointFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let w = try procs.start(worker, ["--connect", ep], log: "worker.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 30), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertNotEqual(coordinator.terminationStatus, 0, "the file \(what): \(log)")
        XCTAssertTrue(log.contains("Error: worker") && log.contains(message), "the file \(what): \(log)")
        XCTAssertFalse(log.contains("Fatal error") || log.contains("backtrace"), log)
        XCTAssertTrue(waitForExit(w, timeout: 10), "the worker was told BYE: \(procs.log("worker.log"))")
        XCTAssertTrue(try cacheFiles("workers").isEmpty)
    }
}

extension ExtractionTests {
    /// A hand-driven worker on a real socket: answers that are late or of the wrong shape
    /// are dropped and the batch is sent again; after three bad answers the command stops.
    func testLateAndMisshapenFeaturesAreRejectedAndTheBatchSentAgain() throws {
        try simulate()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let coordinator = try procs.start(ultraad, ["prepare", "--config", try config("workers").path, "--workers", "1"],
                                          log: "coordinator.log")
        let endpointFile = dir.appendingPathComponent("workers-run/coordinator.endpoint")
        XCTAssertTrue(eventually(30) { FileManager.default.fileExists(atPath: endpointFile.path) }, procs.log("coordinator.log"))
        let hand = try HandWorker(endpoint: try String(contentsOf: endpointFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let socket = hand.socket
        func next() throws -> Envelope { try hand.next() }
        let hello = Hello(workerID: "hand", host: "test", pid: 1, threads: 1, blasCore: "", bankDigest: "")
        try socket.send(.hello, runID: 0, payload: hello.encoded())
        let welcome = try next()
        XCTAssertEqual(welcome.header.type, .welcome)
        XCTAssertEqual(try Welcome(decoding: welcome.payload).bankDigest, "", "an extraction session has no bank")
        XCTAssertEqual(try Welcome(decoding: welcome.payload).mode, .featureExtraction)
        let runID = welcome.header.runID
        try socket.send(.ready, runID: runID, payload: ReadyPayload(mode: .featureExtraction, bankDigest: "").encoded())
        var rng = SplitMix64(seed: 5)
        for attempt in 0..<3 {
            let extract = try next()
            XCTAssertEqual(extract.header.type, .extract, "attempt \(attempt)")
            let request = try ExtractPayload(decoding: extract.payload)
            XCTAssertEqual(request.weights, "builtin:tiny")
            XCTAssertEqual(request.items.count, 8)
            XCTAssertEqual(try PNGImage.decodeRGB(request.items[0].imageFile).width, 96, "the image file itself")
            let wrong = ImageFeatures(g: HeadTestData.normals([5], &rng), u: [FeatureMatrix](), z0: [])
            let answer = FeaturesPayload(extractorDigest: request.extractorDigest, computeSeconds: 0,
                                         items: request.items.map { ($0.index, wrong) }).encoded()
            try socket.send(.features, runID: runID, step: extract.header.step &+ 1, payload: answer)   // late: ignored
            try socket.send(.heartbeat, runID: runID)
            try socket.send(.features, runID: runID, step: extract.header.step, payload: answer)
        }
        XCTAssertTrue(waitForExit(coordinator, timeout: 30), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertNotEqual(coordinator.terminationStatus, 0, log)
        XCTAssertEqual(log.components(separatedBy: "FEATURES for batch 0 rejected: malformed payload: FEATURES item").count, 4, log)
        XCTAssertTrue(log.contains("was answered 3 times with unusable features"), log)
        XCTAssertTrue(try cacheFiles("workers").isEmpty)
    }
}
