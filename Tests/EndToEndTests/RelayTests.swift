import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Steps through the relay (docs/PROTOCOL.md, "Relay") with real worker processes on
/// loopback: workers started with --no-shared-memory and a relay socket pass the
/// parameters on to each other and reduce each other's gradient segments. The bits are
/// the in-process loop's, with failures or without.
final class RelayTests: ProcessTestCase {
    private var parameterBytes: Int { ParameterLayout(head: PlantedFeatures.config).totalCount * 4 }

    private func relayingWorker(_ ep: String, extra: [String] = []) -> [String] {
        ["--connect", ep, "--no-shared-memory", "--relay-bind", "tcp://127.0.0.1:*", "--idle-exit", "20"] + extra
    }

    private func startCoordinator(_ name: String, workers: Int, procs: Processes, extra: [String] = []) throws
        -> (run: URL, coordinator: Process, endpoint: String) {
        let run = dir.appendingPathComponent(name)
        let coordinator = try procs.start(ultraad, coordinatorArguments(run, minWorkers: workers, extra: extra), log: "coordinator.log")
        XCTAssertTrue(eventually(20) { endpoint(run) != nil }, procs.log("coordinator.log"))
        return (run, coordinator, try XCTUnwrap(endpoint(run)))
    }

    /// Three workers, the vectors in many small pieces (`--piece-floats 37`): every step
    /// goes through the relay, and the coordinator sends one parameter vector and receives
    /// one gradient per step instead of three of each.
    func testThreeRelayingWorkersGiveTheInProcessBitsAndOneVectorEachWayPerStep() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("relay", workers: 3, procs: procs, extra: ["--piece-floats", "37"])
        for name in ["a", "b", "c"] { try procs.start(worker, relayingWorker(ep), log: "\(name).log") }
        XCTAssertTrue(waitForExit(coordinator, timeout: 90), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertEqual(coordinator.terminationStatus, 0, log)
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertTrue(log.contains(", relays on tcp://127.0.0.1:"), log)
        let lines = try metrics(run)
        XCTAssertEqual(lines.map { $0["relay_members"] as? Int }, Array(repeating: 3, count: steps), log)
        for line in lines.dropFirst() {   // the first step also carries the bank
            let bytesIn = try XCTUnwrap(line["bytes_in"] as? Int), bytesOut = try XCTUnwrap(line["bytes_out"] as? Int)
            XCTAssertGreaterThanOrEqual(bytesIn, parameterBytes, "\(line)")
            XCTAssertGreaterThanOrEqual(bytesOut, parameterBytes, "\(line)")
            XCTAssertLessThan(bytesIn, 2 * parameterBytes, "one gradient per step, not one per worker: \(line)")
            XCTAssertLessThan(bytesOut, 2 * parameterBytes, "one parameter vector per step, not one per worker: \(line)")
        }
    }

    /// Two of three members cannot read the pool (`--no-pool-reads`, as on a node without
    /// the shared file system): they fetch their views from the one that does (FETCH,
    /// VIEWS), so no view comes through the coordinator's link, and the bits are unchanged.
    func testMembersThatCannotReadThePoolFetchTheirViewsFromOneThatCan() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("fetch", workers: 3, procs: procs)
        try procs.start(worker, relayingWorker(ep), log: "reader.log")
        for name in ["b", "c"] { try procs.start(worker, relayingWorker(ep, extra: ["--no-pool-reads"]), log: "\(name).log") }
        XCTAssertTrue(waitForExit(coordinator, timeout: 90), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertEqual(coordinator.terminationStatus, 0, log)
        XCTAssertEqual(try finalParameters(run), reference)
        let lines = try metrics(run)
        XCTAssertEqual(lines.map { $0["relay_members"] as? Int }, Array(repeating: 3, count: steps), log)
        func total(_ key: String) -> Int { lines.compactMap { $0[key] as? Int }.reduce(0, +) }
        XCTAssertEqual(total("features_sent"), 0, "no view through the coordinator: \(log)")
        XCTAssertGreaterThan(total("features_relayed"), 0)
        XCTAssertGreaterThan(total("features_read"), 0)
    }

    /// No member reads the pool: the coordinator sends a view inline only when no member of
    /// the step's round keeps it; the others fetch it from one that does. Against the same
    /// run without the relay (every worker sent every view it needs), fewer views cross the
    /// coordinator's link, and the bits are the same. (The steps alternate three and two
    /// workers, so a worker's blocks hold other classes' queries from one step to the next
    /// and views change hands.)
    func testWithNoPoolReaderTheMembersPassOnTheViewsTheyKeep() throws {
        let reference = try inProcessReference()
        func run(_ name: String, relay: Bool) throws -> [[String: Any]] {
            let logs = dir.appendingPathComponent("\(name)-logs")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            let procs = Processes(dir: logs)
            defer { procs.stopAll() }
            let (run, coordinator, ep) = try startCoordinator(name, workers: 3, procs: procs,
                                                              extra: ["--step-worker-limits", "3", "2"])
            for w in ["a", "b", "c"] {
                let args = relay ? relayingWorker(ep, extra: ["--no-pool-reads"])
                                 : ["--connect", ep, "--no-shared-memory", "--no-relay", "--no-pool-reads", "--idle-exit", "20"]
                try procs.start(worker, args, log: "\(w).log")
            }
            XCTAssertTrue(waitForExit(coordinator, timeout: 90), procs.log("coordinator.log"))
            XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
            XCTAssertEqual(try finalParameters(run), reference, name)
            return try metrics(run)
        }
        func total(_ lines: [[String: Any]], _ key: String) -> Int { lines.compactMap { $0[key] as? Int }.reduce(0, +) }
        let relayed = try run("keepers", relay: true), direct = try run("direct", relay: false)
        XCTAssertEqual(relayed.map { $0["relay_members"] as? Int }, (0..<steps).map { $0 % 2 == 0 ? 3 : 2 })
        XCTAssertEqual(direct.map { $0["relay_members"] as? Int }, Array(repeating: 0, count: steps))
        XCTAssertGreaterThan(total(relayed, "features_relayed"), 0)
        XCTAssertEqual(total(relayed, "features_read"), 0)
        XCTAssertLessThan(total(relayed, "features_sent"), total(direct, "features_sent"))
        XCTAssertEqual(total(relayed, "features_sent") + total(relayed, "features_relayed"), total(direct, "features_sent"),
                       "each view a worker needs comes once, from the coordinator or from a member")
    }

    /// The one member that reads the pool, and that the others fetch from, is killed
    /// mid-run: the step starts again with the two others, which are then sent the views
    /// they have not got, and the bits are unchanged.
    func testTheMemberTheOthersFetchFromKilledMidRunLeavesTheBitsUnchanged() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("fetch-kill", workers: 3, procs: procs)
        let slow = ["--delay-per-block-ms", "80"]
        let reader = try procs.start(worker, relayingWorker(ep, extra: slow), log: "reader.log")
        for name in ["b", "c"] { try procs.start(worker, relayingWorker(ep, extra: slow + ["--no-pool-reads"]), log: "\(name).log") }
        XCTAssertTrue(eventually(30) { lineCount(run) >= 4 }, procs.log("coordinator.log"))
        kill(reader.processIdentifier, SIGKILL)
        XCTAssertTrue(waitForExit(coordinator, timeout: 90), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertEqual(coordinator.terminationStatus, 0, log)
        XCTAssertEqual(try finalParameters(run), reference)
        let lines = try metrics(run)
        XCTAssertGreaterThan(lines.prefix(4).compactMap { $0["features_relayed"] as? Int }.reduce(0, +), 0, log)
        XCTAssertGreaterThan(lines.dropFirst(4).compactMap { $0["features_sent"] as? Int }.reduce(0, +), 0,
                             "the survivors were sent what they had not fetched: \(log)")
        XCTAssertTrue(lines.contains { ($0["relay_members"] as? Int) == 2 }, "the survivors relay on their own: \(log)")
    }

    /// A member killed while steps go through the relay: the step it was in is computed
    /// again from the start with the others, a worker that joins later takes part from its
    /// first step, and the bits are unchanged.
    func testAMemberKilledMidStepAndALateWorkerLeaveTheBitsUnchanged() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("kill", workers: 3, procs: procs, extra: ["--piece-floats", "37"])
        let slow = relayingWorker(ep, extra: ["--delay-per-block-ms", "80"])
        let victim = try procs.start(worker, slow, log: "a.log")
        try procs.start(worker, slow, log: "b.log")
        try procs.start(worker, slow, log: "c.log")
        XCTAssertTrue(eventually(30) { lineCount(run) >= 4 }, procs.log("coordinator.log"))
        Thread.sleep(forTimeInterval: 0.05)   // into the next step's block delay
        kill(victim.processIdentifier, SIGKILL)
        XCTAssertTrue(eventually(30) { lineCount(run) >= 10 }, procs.log("coordinator.log"))
        try procs.start(worker, slow, log: "d.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 90), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertEqual(coordinator.terminationStatus, 0, log)
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertTrue(log.contains("during its relay round; the step starts again"), log)
        let members = try metrics(run).map { $0["relay_members"] as? Int ?? -1 }
        XCTAssertEqual(members.prefix(4), [3, 3, 3, 3], log)
        XCTAssertTrue(members.contains(2), "the two survivors relay on their own: \(members)")
        XCTAssertEqual(members.last, 3, "the late worker joins the relay: \(members)")
    }

    /// A member that answers its ROUTE with ERROR (relay failed) turns the relay off for
    /// the run: its step and the rest go through the coordinator, with the same bits.
    func testARelayFailureSendsTheRestOfTheRunThroughTheCoordinator() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("failed", workers: 2, procs: procs)
        let hand = try HandWorker(endpoint: ep)
        try hand.socket.send(.hello, runID: 0, payload: Hello(workerID: "hand", host: "test", pid: 1, threads: 1, blasCore: "",
                                                              bankDigest: "", relayEndpoint: "tcp://127.0.0.1:9").encoded())
        let welcome = try hand.next()
        XCTAssertEqual(welcome.header.type, .welcome)
        let runID = welcome.header.runID
        XCTAssertEqual(try hand.next().header.type, .bank)
        try hand.socket.send(.ready, runID: runID, payload: ReadyPayload(
            mode: .training, bankDigest: try Welcome(decoding: welcome.payload).bankDigest).encoded())
        try procs.start(worker, relayingWorker(ep), log: "worker.log")
        var message = try hand.next()
        while message.header.type == .heartbeat { message = try hand.next() }
        XCTAssertEqual(message.header.type, .route)
        let route = try RoutePayload(decoding: message.payload)
        XCTAssertEqual(route.members.count, 2)
        XCTAssertEqual(route.members[route.me].workerID, "hand")
        try hand.socket.send(.error, runID: runID, payload: ErrorPayload(.relayFailed, "test: no relay here").encoded())
        // (A BYE in the same poll would remove the worker before its ERROR is read.)
        XCTAssertTrue(eventually(20) { procs.log("coordinator.log").contains("steps no longer go through the relay") },
                      procs.log("coordinator.log"))
        try hand.socket.send(.bye, runID: runID, payload: TextPayload.encode("test done"))
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertEqual(coordinator.terminationStatus, 0, log)
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertTrue(log.contains("steps no longer go through the relay: worker hand could not take part (test: no relay here)"), log + procs.log("worker.log"))
        XCTAssertEqual(try metrics(run).map { $0["relay_members"] as? Int }, Array(repeating: 0, count: steps))
    }
}
