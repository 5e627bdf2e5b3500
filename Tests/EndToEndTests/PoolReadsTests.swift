import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Workers that can open the run's pool file read the query features themselves (TASK
/// carries a CRC of each view instead of the view); the others are sent them. Either way,
/// and when the file turns out to differ from the coordinator's, the bits are the
/// in-process loop's.
final class PoolReadsTests: ProcessTestCase {
    private func startCoordinator(_ run: URL, pool: URL, minWorkers: Int, procs: Processes, extra: [String] = []) throws
        -> (Process, String) {
        var args = coordinatorArguments(run, minWorkers: minWorkers, extra: extra)
        args[args.firstIndex(of: "--pool")! + 1] = pool.path
        let coordinator = try procs.start(ultraad, args, log: "coordinator.log")
        XCTAssertTrue(eventually(20) { endpoint(run) != nil }, procs.log("coordinator.log"))
        return (coordinator, try XCTUnwrap(endpoint(run)))
    }

    private func total(_ key: String, _ run: URL) throws -> Int {
        try metrics(run).compactMap { $0[key] as? Int }.reduce(0, +)
    }

    /// Trains on `pool` with a worker that reads it and one that is sent the features: both
    /// kinds of feature delivery are used. Returns the run folder.
    private func trainWithAReaderAndASentWorker(_ name: String, pool: URL, extra: [String] = [],
                                                procs: Processes) throws -> URL {
        let run = dir.appendingPathComponent(name)
        let (coordinator, ep) = try startCoordinator(run, pool: pool, minWorkers: 2, procs: procs, extra: extra)
        try procs.start(worker, ["--connect", ep, "--idle-exit", "20"], log: "reads.log")
        try procs.start(worker, ["--connect", ep, "--idle-exit", "20", "--no-pool-reads"], log: "sent.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertGreaterThan(try total("features_read", run), 0)
        XCTAssertGreaterThan(try total("features_sent", run), 0)
        return run
    }

    func testAWorkerThatReadsThePoolAndOneThatIsSentFeaturesGiveTheSameBits() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let run = try trainWithAReaderAndASentWorker("mixed", pool: poolFile, procs: procs)
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertEqual(procs.log("coordinator.log").components(separatedBy: "reads the pool file itself").count - 1, 1,
                       procs.log("coordinator.log"))
        XCTAssertTrue(procs.log("reads.log").contains("reads query features from \(poolFile.standardizedFileURL.path)"),
                      procs.log("reads.log"))
    }

    /// fewshot.feature_dtype float16: the pool's U and Z0 are F16 (about half the file), the
    /// coordinator and the workers hold and send them so, and a worker that reads the pool
    /// and one that is sent the features give the in-process bits of the float16 pool, not
    /// float32's. A float32 configuration refuses the float16 pool.
    func testFloat16FeaturesTrainToTheInProcessBitsOfTheFloat16Pool() throws {
        let half = try writeTestPool(in: dir, name: "pool16.safetensors", featureDType: .float16)
        let size = { (url: URL) throws -> Int in try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) }
        let values = PlantedFeatures.pool(seed: 1).images.flatMap(\.views).map { ($0.u + $0.z0).map(\.count).reduce(0, +) }.reduce(0, +)
        XCTAssertEqual(Double(try size(poolFile) - size(half)), Double(2 * values), accuracy: 0.01 * Double(values),
                       "U and Z0 in two bytes a value instead of four")
        let reference = try inProcessReference(pool: half, featureDType: .float16)
        XCTAssertNotEqual(reference, try inProcessReference(), "float16 features train to other bits")
        let config = dir.appendingPathComponent("half.yaml")
        try "version: 1\nsites: [{name: A, path: data}]\ntrain_sites: [A]\ntest_sites: [A]\nfewshot: {feature_dtype: float16}\n".write(to: config, atomically: true, encoding: .utf8)
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let run = try trainWithAReaderAndASentWorker("half", pool: half, extra: ["--config", config.path], procs: procs)
        XCTAssertEqual(try finalParameters(run), reference)

        let (status, output) = try runProcess(ultraad, ["train", "--pool", half.path, "--run", dir.appendingPathComponent("mismatch").path,
                                                        "--steps", "1"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("\(half.path): the pool's features are float16, and fewshot.feature_dtype is float32: run prepare again with this configuration"), output)
    }

    /// The coordinator loaded the pool, then the file was replaced by another pool of the
    /// same shapes: the worker opens it, but no view matches its TASK's CRC, so it says
    /// so (ERROR, features unavailable), its block is computed again, and from then on
    /// it is sent the features. Same bits.
    func testAPoolFileThatNoLongerMatchesTheCoordinatorsIsDetectedAndTheFeaturesAreSent() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let copy = dir.appendingPathComponent("replaced.safetensors")
        try FileManager.default.copyItem(at: poolFile, to: copy)
        let run = dir.appendingPathComponent("replaced")
        let (coordinator, ep) = try startCoordinator(run, pool: copy, minWorkers: 1, procs: procs)
        var rng = SplitMix64(seed: 9)
        try PreparedPool(pool: PlantedFeatures.pool(seed: 5), t0: HeadTestData.normals([2, 16], &rng),
                         pt: HeadTestData.normals([3, 16], &rng), layers: PlantedFeatures.config.layers).write(to: copy)
        try procs.start(worker, ["--connect", ep, "--idle-exit", "20"], log: "w.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertTrue(procs.log("w.log").contains("the file differs from the one it trains on"), procs.log("w.log"))
        XCTAssertTrue(procs.log("coordinator.log").contains("(features unavailable)"), procs.log("coordinator.log"))
        // Step 1 asked for reads that failed; every later view was sent.
        let lines = try metrics(run)
        XCTAssertGreaterThan(lines.first?["features_read"] as? Int ?? 0, 0)
        XCTAssertEqual(lines.dropFirst().compactMap { $0["features_read"] as? Int }.reduce(0, +), 0)
        XCTAssertGreaterThan(try total("features_sent", run), 0)
    }
}
