import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// How settings reach a run, with real processes: free ports by default, the notice of a
/// coordinator waiting for workers, and which changes `--resume` accepts.
final class SettingsTests: ProcessTestCase {
    func trainArguments(_ run: URL, steps: Int = 6, extra: [String] = []) -> [String] {
        ["train", "--pool", poolFile.path, "--run", run.path, "--steps", "\(steps)", "--seed", "7",
         "--adapter-rank", "4", "--chunk-size", "2", "--learning-rate", "0.005", "--checkpoint-every", "3"] + extra
    }

    func parameters(_ run: URL, step: Int) throws -> [Float] { try finalParameters(run, step: step) }

    /// The port in "listening on tcp://127.0.0.1:PORT" of a coordinator's log.
    func listeningPort(_ log: String) -> String? {
        guard let r = log.range(of: "listening on tcp://127.0.0.1:") else { return nil }
        return String(log[r.upperBound...].prefix { $0.isNumber })
    }

    /// Two trainings at once on one host, each starting its own workers: neither names a
    /// port, each gets a free one, and both give the bits of a run alone.
    func testTwoTrainingsAtOnceOnOneHostTakeTwoFreePorts() throws {
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let pa = try procs.start(ultraad, trainArguments(a, extra: ["--local-workers", "1"]), log: "a.log")
        let pb = try procs.start(ultraad, trainArguments(b, extra: ["--local-workers", "1"]), log: "b.log")
        XCTAssertTrue(waitForExit(pa, timeout: 90), procs.log("a.log"))
        XCTAssertTrue(waitForExit(pb, timeout: 90), procs.log("b.log"))
        XCTAssertEqual(pa.terminationStatus, 0, procs.log("a.log"))
        XCTAssertEqual(pb.terminationStatus, 0, procs.log("b.log"))
        let portA = try XCTUnwrap(listeningPort(procs.log("a.log")), procs.log("a.log"))
        let portB = try XCTUnwrap(listeningPort(procs.log("b.log")), procs.log("b.log"))
        XCTAssertNotEqual(portA, portB)
        XCTAssertNotEqual(portA, "5555")
        XCTAssertEqual(try parameters(a, step: 6), try parameters(b, step: 6))
    }

    /// A coordinator without workers says at once how many it waits for and the exact
    /// command that starts one; that command, run as printed, completes the training.
    func testAWaitingCoordinatorPrintsTheCommandThatStartsAWorker() throws {
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }
        let run = dir.appendingPathComponent("waiting")
        let coordinator = try procs.start(ultraad, trainArguments(run, extra: ["--workers", "1"]), log: "coordinator.log")
        let prefix = "start one on any machine that can reach this one with: "
        XCTAssertTrue(eventually(30) { procs.log("coordinator.log").contains(prefix) }, procs.log("coordinator.log"))
        let log = procs.log("coordinator.log")
        XCTAssertTrue(log.contains("waiting for 1 more worker(s) (0 of 1 ready)"), log)
        let command = try XCTUnwrap(log.components(separatedBy: prefix).last?.components(separatedBy: ", or rerun").first)
        let endpoint = try XCTUnwrap(endpoint(run))
        XCTAssertEqual(command, "ultraad-worker --connect \(endpoint)")
        XCTAssertTrue(log.contains("or rerun this command with --local-workers 1"), log)
        let words = command.split(separator: " ").map(String.init)
        try procs.start(worker, Array(words.dropFirst()), log: "worker.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 90), procs.log("coordinator.log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("coordinator.log"))
        XCTAssertEqual(lineCount(run), 6)
    }

    /// `--resume` compares every setting that changes the result, whether the file or a
    /// flag set it, and only those: a learning rate given as a flag is refused; another
    /// port, other thread and worker counts and more steps resume, to the bits of a run
    /// that was never stopped.
    func testResumeRefusesAChangedResultSettingAndAcceptsEverythingElse() throws {
        let config = try writeConfig("""
            version: 1
            sites: [{name: A, path: data/A}]
            train_sites: [A]
            train: {learning_rate: 0.005, chunk_size: 2, checkpoint_every: 3}
            model: {adapter_rank: 4}
            run: {seed: 7}
            """)
        let run = dir.appendingPathComponent("resumed")
        func train(_ extra: [String]) throws -> (Int32, String) {
            try runProcess(ultraad, ["train", "--config", config.path, "--pool", poolFile.path, "--run", run.path] + extra)
        }
        var (status, output) = try train(["--steps", "6", "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        let effective = try String(contentsOf: run.appendingPathComponent("effective-config.yaml"), encoding: .utf8)
        XCTAssertTrue(effective.contains("  steps: 6\n") && effective.contains("  learning_rate: 0.005\n"), effective)

        (status, output) = try train(["--steps", "9", "--local-workers", "1", "--resume", "--learning-rate", "0.01"])
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("--resume: \(run.path)/checkpoints/step-00000006.safetensors was written under settings"), output)
        XCTAssertTrue(output.contains("compare with \(run.path)/effective-config.yaml"), output)

        (status, output) = try train(["--steps", "9", "--local-workers", "2", "--worker-threads", "2", "--resume",
                                      "--bind", "tcp://127.0.0.1:*", "--heartbeat", "0.5", "--checkpoint-every", "9"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("resuming from step-00000006.safetensors (step 6)"), output)

        let straight = dir.appendingPathComponent("straight")
        (status, output) = try runProcess(ultraad, ["train", "--config", config.path, "--pool", poolFile.path, "--run", straight.path,
                                                    "--steps", "9", "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try parameters(run, step: 9), try parameters(straight, step: 9))
    }
}
