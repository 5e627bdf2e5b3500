import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Workers that can open the run's pool file read the query features themselves (TASK
/// carries a CRC of each view instead of the view); the others are sent them. Either way,
/// and when the file turns out to differ from the coordinator's, the bits are the
/// in-process loop's.
final class PoolReadsTests: ProcessTestCase {
    private func startCoordinator(_ run: URL, pool: URL, minWorkers: Int, procs: Processes) throws -> (Process, String) {
        var args = coordinatorArguments(run, minWorkers: minWorkers)
        args[args.firstIndex(of: "--pool")! + 1] = pool.path
        let coordinator = try procs.start(ultraad, args, log: "coordinator.log")
        XCTAssertTrue(eventually(20) { endpoint(run) != nil }, procs.log("coordinator.log"))
        return (coordinator, try XCTUnwrap(endpoint(run)))
    }

    private func total(_ key: String, _ run: URL) throws -> Int {
        try metrics(run).compactMap { $0[key] as? Int }.reduce(0, +)
    }

    func testAWorkerThatReadsThePoolAndOneThatIsSentFeaturesGiveTheSameBits() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let run = dir.appendingPathComponent("mixed")
        let (coordinator, ep) = try startCoordinator(run, pool: poolFile, minWorkers: 2, procs: procs)
        try procs.start(worker, ["--connect", ep, "--idle-exit", "20"], log: "reads.log")
        try procs.start(worker, ["--connect", ep, "--idle-exit", "20", "--no-pool-reads"], log: "sent.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertGreaterThan(try total("features_read", run), 0)
        XCTAssertGreaterThan(try total("features_sent", run), 0)
        XCTAssertEqual(procs.log("coordinator.log").components(separatedBy: "reads the pool file itself").count - 1, 1,
                       procs.log("coordinator.log"))
        XCTAssertTrue(procs.log("reads.log").contains("reads query features from \(poolFile.standardizedFileURL.path)"),
                      procs.log("reads.log"))
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
