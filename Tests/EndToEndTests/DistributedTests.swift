import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Real coordinator and worker processes on real sockets (loopback and ipc).
final class DistributedTests: ProcessTestCase {
    func testOneTwoAndThreeWorkersGiveTheSameBitsAsTheInProcessLoop() throws {
        let reference = try inProcessReference()
        for workers in [1, 2, 3] {
            let (run, _) = try train("w\(workers)", workers: workers)
            XCTAssertEqual(try finalParameters(run), reference, "\(workers) workers")
            let lines = try metrics(run)
            XCTAssertEqual(lines.count, steps)
            XCTAssertEqual(lines.last?["bank_sends"] as? Int, workers, "the bank goes once to each worker")
            let perWorker = try XCTUnwrap(lines.last?["bank_sends_per_worker"] as? [String: Int])
            XCTAssertTrue(perWorker.values.allSatisfy { $0 == 1 })
            XCTAssertNil(endpoint(run), "the endpoint file outlived the run")
        }
    }

    /// `bench comm --interleaved` alternates how many workers a step may use: blocks of
    /// other sizes, the same bits.
    func testStepsThatAlternateTheirWorkerCountGiveTheSameBits() throws {
        let reference = try inProcessReference()
        let (run, output) = try train("alternating", workers: 2, extra: ["--step-worker-limits", "1", "2"])
        XCTAssertEqual(try finalParameters(run), reference)
        let lines = try metrics(run)
        // Not a terminal: the progress line is logged (here at the last step), loss parts included.
        let last = try XCTUnwrap(lines.last)
        let progress = String(format: "step %d/%d  loss %.4f (focal %.4f, dice %.4f, bce %.4f, ce %.4f)", steps, steps,
                              last["loss"] as! Double, last["focal"] as! Double, last["dice"] as! Double,
                              last["bce"] as! Double, last["ce"] as! Double)
        XCTAssertTrue(output.contains(progress), "no \"\(progress)\" in:\n\(output)")
        XCTAssertEqual(lines.map { $0["blocks"] as? Int }, (0..<steps).map { $0 % 2 == 0 ? 1 : 2 })
        // In the first step the one worker it uses reads every query's features from the
        // pool file (local workers share its file system): none is shipped.
        XCTAssertEqual(lines.first?["features_read"] as? Int, 6)   // 3 classes x 2 queries
        XCTAssertEqual(lines.first?["features_sent"] as? Int, 0)
        XCTAssertEqual(lines.first?["queries"] as? Int, 6)
    }

    /// Local workers exchange parameters and gradients through /dev/shm (the other tests
    /// here); with workers started with --no-shared-memory, PARAMS and GRAD travel over the
    /// socket, here cut into many pieces (`--piece-floats 37` instead of 2 MiB, so this
    /// small head takes ~29, the last one shorter): the same bits either way.
    func testParametersAndGradientsInManyPiecesGiveTheSameBits() throws {
        let reference = try inProcessReference()
        XCTAssertGreaterThan(ParameterLayout(head: PlantedFeatures.config).totalCount, 20 * 37)
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("pieces", minWorkers: 2, procs: procs,
                                                          extra: ["--piece-floats", "37"])
        let workerArgs = ["--connect", ep, "--no-shared-memory", "--idle-exit", "20"]
        try procs.start(worker, workerArgs, log: "a.log")
        try procs.start(worker, workerArgs, log: "b.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertFalse(procs.log("coordinator.log").contains("through shared memory"), procs.log("coordinator.log"))
        XCTAssertEqual(try finalParameters(run), reference)
    }

    /// A worker that says it shares the coordinator's /dev/shm but cannot read the
    /// parameters there (ERROR with code `sharedMemoryUnusable`) is sent PARAMS pieces from
    /// then on; it leaves, a real worker finishes, and the bits are the in-process loop's.
    func testAWorkerThatCannotUseSharedMemoryGetsPiecesAndTheResultIsUnchanged() throws {
        guard !SharedMemory.namespace.isEmpty else { throw missingPrerequisite("no /dev/shm here") }
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("shm", minWorkers: 1, procs: procs)
        let hand = try HandWorker(endpoint: ep)
        let socket = hand.socket
        func next() throws -> Envelope { try hand.next() }
        let hello = Hello(workerID: "hand", host: "test", pid: 1, threads: 1, blasCore: "", bankDigest: "",
                          sharedMemory: SharedMemory.namespace)
        try socket.send(.hello, runID: 0, payload: hello.encoded())
        let welcome = try next()
        XCTAssertEqual(welcome.header.type, .welcome)
        let runID = welcome.header.runID
        XCTAssertEqual(try next().header.type, .bank)
        try socket.send(.ready, runID: runID, payload: ReadyPayload(mode: .training,
                                                                    bankDigest: try Welcome(decoding: welcome.payload).bankDigest).encoded())
        let shared = try ParamsPayload(decoding: try next().payload)
        let location = try XCTUnwrap(shared.part.shared, "a worker on this machine is sent the shared-memory file")
        XCTAssertTrue(FileManager.default.fileExists(atPath: location.path))
        XCTAssertEqual(try next().header.type, .task)
        try socket.send(.error, runID: runID, payload: ErrorPayload(.sharedMemoryUnusable, "test").encoded())
        // The block comes back with the parameters in pieces.
        let piece = try next()
        XCTAssertEqual(piece.header.type, .params)
        let inline = try ParamsPayload(decoding: piece.payload)
        XCTAssertNil(inline.part.shared)
        XCTAssertEqual(inline.part.offset, 0)
        XCTAssertEqual(inline.part.total, UInt64(ParameterLayout(head: PlantedFeatures.config).totalCount))
        try socket.send(.bye, runID: runID, payload: TextPayload.encode("test done"))
        try procs.start(worker, ["--connect", ep, "--idle-exit", "20"], log: "worker.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertFalse(FileManager.default.fileExists(atPath: location.path), "the coordinator removes its file")
    }

    func testAKilledWorkerAndALateWorkerLeaveTheResultUnchanged() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("kill", minWorkers: 2, procs: procs)
        let workerArgs = ["--connect", ep, "--delay-per-block-ms", "60", "--idle-exit", "20"]
        let victim = try procs.start(worker, workerArgs, log: "a.log")
        try procs.start(worker, workerArgs, log: "b.log")
        XCTAssertTrue(eventually(30) { lineCount(run) >= 4 }, procs.log("coordinator.log"))
        kill(victim.processIdentifier, SIGKILL)
        XCTAssertTrue(eventually(30) { lineCount(run) >= 9 }, procs.log("coordinator.log"))
        try procs.start(worker, workerArgs, log: "c.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        let last = try XCTUnwrap(try metrics(run).last)
        XCTAssertEqual(last["bank_sends"] as? Int, 3, "a bank for each of the three workers")
        let log = procs.log("coordinator.log")
        XCTAssertTrue(log.contains(": dead") || log.contains("unreachable"), "the killed worker was noticed: \(log)")
    }

    /// A coordinator on tcp (log coordinator.log), once it has written its endpoint.
    private func startCoordinator(_ name: String, minWorkers: Int, procs: Processes, extra: [String] = []) throws
        -> (run: URL, coordinator: Process, endpoint: String) {
        let run = dir.appendingPathComponent(name)
        let coordinator = try procs.start(ultraad, coordinatorArguments(run, minWorkers: minWorkers, extra: extra),
                                          log: "coordinator.log")
        XCTAssertTrue(eventually(20) { endpoint(run) != nil }, procs.log("coordinator.log"))
        return (run, coordinator, try XCTUnwrap(endpoint(run)))
    }

    /// A coordinator on ipc (log first.log) with two workers slowed to 60 ms a block, for
    /// the tests that stop it and continue with --resume (same arguments plus --resume).
    private func startStoppableRun(_ name: String, procs: Processes) throws
        -> (run: URL, args: [String], workerArgs: [String], coordinator: Process, workers: [Process]) {
        let run = dir.appendingPathComponent(name)
        let ipc = "ipc://\(dir.path)/coordinator.sock"
        let args = coordinatorArguments(run, minWorkers: 2, extra: ["--ipc", ipc])
        let coordinator = try procs.start(ultraad, args, log: "first.log")
        let workerArgs = ["--connect", ipc, "--delay-per-block-ms", "60", "--idle-exit", "30"]
        let workers = [try procs.start(worker, workerArgs, log: "a.log"), try procs.start(worker, workerArgs, log: "b.log")]
        return (run, args, workerArgs, coordinator, workers)
    }

    func testACoordinatorKilledAfterACheckpointResumesToTheSameResult() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, args, _, first, _) = try startStoppableRun("resume", procs: procs)
        let tenth = run.appendingPathComponent("checkpoints/step-00000010.safetensors")
        // Past the checkpoint of step 10 by a step or two, so those steps are computed twice.
        XCTAssertTrue(eventually(40) { FileManager.default.fileExists(atPath: tenth.path) && lineCount(run) >= 12 },
                      procs.log("first.log"))
        kill(first.processIdentifier, SIGKILL)
        XCTAssertTrue(waitForExit(first, timeout: 10))
        let second = try procs.start(ultraad, args + ["--resume"], log: "second.log")
        XCTAssertTrue(waitForExit(second, timeout: 60), procs.log("second.log"))
        XCTAssertEqual(second.terminationStatus, 0, procs.log("second.log"))
        XCTAssertTrue(procs.log("second.log").contains("resuming from step-000000"), procs.log("second.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        // Steps the first coordinator finished after its last checkpoint were computed
        // again: metrics.jsonl has each step once, in order.
        XCTAssertEqual(try metrics(run).map { $0["step"] as? Int }, (1...steps).map { $0 }, procs.log("second.log"))
    }

    /// SIGTERM (scancel, a SLURM time limit) stops the coordinator at a safe point: the
    /// last finished step is checkpointed, the workers are sent away, the exit status is
    /// 143, and --resume continues to the same bits as an uninterrupted run.
    func testSIGTERMCheckpointsTheLastStepAndResumeFinishesTheSame() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, args, workerArgs, first, workers) = try startStoppableRun("sigterm", procs: procs)
        XCTAssertTrue(eventually(40) { lineCount(run) >= 7 }, procs.log("first.log"))
        kill(first.processIdentifier, SIGTERM)
        XCTAssertTrue(waitForExit(first, timeout: 20), procs.log("first.log"))
        XCTAssertEqual(first.terminationStatus, 143, procs.log("first.log"))
        let done = lineCount(run)
        XCTAssertLessThan(done, steps)
        let checkpoint = run.appendingPathComponent(String(format: "checkpoints/step-%08d.safetensors", done))
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path), "no checkpoint of step \(done)")
        XCTAssertTrue(procs.log("first.log").contains("stopped by SIGTERM after step \(done); checkpoint \(checkpoint.path)"),
                      procs.log("first.log"))
        for w in workers { XCTAssertTrue(waitForExit(w, timeout: 10), "a worker stayed after BYE") }
        let second = try procs.start(ultraad, args + ["--resume"], log: "second.log")
        try procs.start(worker, workerArgs, log: "c.log")
        try procs.start(worker, workerArgs, log: "d.log")
        XCTAssertTrue(waitForExit(second, timeout: 60), procs.log("second.log"))
        XCTAssertEqual(second.terminationStatus, 0, procs.log("second.log"))
        XCTAssertTrue(procs.log("second.log").contains(String(format: "resuming from step-%08d", done)), procs.log("second.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        XCTAssertEqual(lineCount(run), steps, "one metrics line per step, none for the step that was dropped")
    }

    /// Thousands of random and mutated frames at the coordinator's socket during a run:
    /// no crash, the same result, one log line per kind of rejection with a counter.
    func testHostileFramesAreDroppedAndCountedWithoutChangingTheResult() throws {
        let reference = try inProcessReference()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let (run, coordinator, ep) = try startCoordinator("hostile", minWorkers: 2, procs: procs)
        let workerArgs = ["--connect", ep, "--delay-per-block-ms", "40", "--idle-exit", "20"]
        try procs.start(worker, workerArgs, log: "a.log")
        try procs.start(worker, workerArgs, log: "b.log")
        XCTAssertTrue(eventually(20) { lineCount(run) >= 1 })
        // The run id is in the coordinator's first log line: "(run N, ...".
        let log0 = procs.log("coordinator.log")
        let runID = try XCTUnwrap(log0.components(separatedBy: "(run ").dropFirst().first?
            .split(separator: ",").first.flatMap { UInt64($0) })

        let context = ZMQContext()
        let attacker = try ZMQSocket(context, .dealer)
        try attacker.connect(ep)
        var rng = SplitMix64(seed: 99)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        let goodPayload = GradPayload(parameterVersion: 1, queries: 2, loss: LossParts(), computeSeconds: 0,
                                      part: .piece(.floats([1, 2, 3]), offset: 0, total: 3)).encoded()
        var sent = 0
        for i in 0..<3000 where i % 50 != 0 || lineCount(run) < steps {
            var frames: [[UInt8]]
            switch i % 10 {
            case 0: frames = [bytes(Int(rng.next() % 100))]                                  // one random frame
            case 1: frames = [bytes(Int(rng.next() % 47)), bytes(16)]                         // short header
            case 2: var h = MessageHeader(type: .grad, runID: runID, payload: goodPayload).encoded()
                    h[0] ^= 0xFF; frames = [h, goodPayload]                                    // bad magic
            case 3: var h = MessageHeader(type: .grad, runID: runID, payload: goodPayload).encoded()
                    h[4] = 0xEE; h[5] = 0x77; frames = [h, goodPayload]                        // wrong version (30702)
            case 4: frames = [MessageHeader(type: .grad, runID: runID &+ 1, payload: goodPayload).encoded(), goodPayload]
            case 5: var p = goodPayload; p[p.count - 1] ^= 1                                   // bad CRC
                    frames = [MessageHeader(type: .grad, runID: runID, payload: goodPayload).encoded(), p]
            case 6: let p = Array(goodPayload.prefix(goodPayload.count / 2))                   // truncated, valid CRC
                    frames = [MessageHeader(type: .hello, runID: 0, payload: p).encoded(), p]
            case 7: var w = ByteWriter(); w.string("x"); w.string("y"); w.u32(1); w.u32(1); w.string("z")
                    w.u32(0xFFFF_FFF0)                                                         // huge string length
                    frames = [MessageHeader(type: .hello, runID: 0, payload: w.bytes).encoded(), w.bytes]
            case 8: var h = MessageHeader(type: .grad, runID: runID, payload: goodPayload)
                    h.payloadLength = 1 << 40; frames = [h.encoded(), goodPayload]             // lying length
            default: frames = [MessageHeader(type: .grad, runID: runID, step: 3, payload: goodPayload).encoded(), goodPayload]
            }
            try attacker.send(frames)
            sent += 1
            if i % 100 == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        XCTAssertGreaterThan(sent, 2000)
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertEqual(try finalParameters(run), reference)
        let log = procs.log("coordinator.log")
        for kind in ["frame count", "header size", "magic", "protocol version", "run id", "CRC", "malformed payload", "payload length"] {
            let lines = log.components(separatedBy: "\n").filter { $0.contains("rejected a message (\(kind))") }
            XCTAssertEqual(lines.count, 1, "one log line for \(kind):\n\(log)")
        }
        let rejected = try XCTUnwrap(try metrics(run).last?["rejected"] as? [String: Int])
        XCTAssertGreaterThan(rejected.values.reduce(0, +), 1000, "\(rejected)")
    }

    func testTrainFromAClusterYAMLMatchesTheFlags() throws {
        let reference = try inProcessReference()
        let config = try writeConfig("""
            version: 1
            run: {folder: from-yaml, seed: 7}
            sites: [{name: A, path: data/site-A}]
            train_sites: [A]
            model: {adapter_rank: 4}
            train: {steps: \(steps), chunk_size: 2, queries_per_class: 2, learning_rate: 0.005, checkpoint_every: 5}
            coordinator: {bind: "tcp://127.0.0.1:*", heartbeat: 200ms, worker_timeout: 2s}
            """)
        let (status, output) = try runProcess(ultraad, ["train", "--config", config.path, "--pool", poolFile.path,
                                                        "--local-workers", "2"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try finalParameters(dir.appendingPathComponent("from-yaml")), reference)
    }

    func testABadClusterYAMLIsAClearErrorNamingTheKey() throws {
        let config = try writeConfig("""
            version: 1
            sites: [{name: A, path: data/site-A}]
            train_sites: [A]
            train: {stpes: 10}
            """)
        let (status, output) = try runProcess(ultraad, ["train", "--config", config.path, "--pool", poolFile.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("train.stpes") && output.contains("steps"), output)
        XCTAssertFalse(output.contains("Fatal error") || output.contains("backtrace"), output)
    }
}
