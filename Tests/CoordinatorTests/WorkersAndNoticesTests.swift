import ArgumentParser
import Foundation
import Logging
import XCTest
@testable import Coordinator
@testable import Shared
@testable import TestSupport

/// The command line of the workers `--local-workers` starts, the waiting notice, and the
/// flags every command shares.
final class WorkersAndNoticesTests: XCTestCase {
    func testLocalWorkersGetTheWorkerSettingsAsFlags() {
        var settings = ClusterConfig.WorkerSettings(threads: 3, idleExit: .seconds(42), reconnectMax: .milliseconds(250),
                                                    featureMemory: .init(bytes: 3 << 20))
        XCTAssertEqual(LocalWorkers.arguments(endpoint: "ipc:///tmp/c.sock", settings: settings, keys: nil),
                       ["--connect", "ipc:///tmp/c.sock", "--threads", "3", "--idle-exit", "42.0", "--reconnect-max", "0.25",
                        "--feature-memory", "3MiB", "--parent-pid", String(getpid())])
        settings.featureMemory = nil   // no limit
        XCTAssertTrue(LocalWorkers.arguments(endpoint: "ipc:///tmp/c.sock", settings: settings, keys: nil)
            .joined(separator: " ").contains("--feature-memory none"))
        let keys = (server: URL(filePath: "/k/coordinator.key"), secret: URL(filePath: "/run/.local-worker.key_secret"))
        XCTAssertEqual(LocalWorkers.arguments(endpoint: "tcp://127.0.0.1:9", settings: .init(), keys: keys).suffix(4),
                       ["--server-key", "/k/coordinator.key", "--key", "/run/.local-worker.key_secret"])
    }

    func testTheWaitingNoticeNamesTheWorkerCommandAtOnceAndEvery30Seconds() {
        let records = LogRecords()
        let log = Logger(label: "test.waiting") { _ in CapturingLogHandler(records: records) }
        var notice = WaitingNotice(localWorkers: 0, endpoint: "tcp://127.0.0.1:4100", curve: nil)
        let t0 = Date()
        notice.remind(ready: 0, needed: 2, log: log, now: t0)
        notice.remind(ready: 1, needed: 2, log: log, now: t0.addingTimeInterval(29))
        notice.remind(ready: 1, needed: 2, log: log, now: t0.addingTimeInterval(30))
        XCTAssertEqual(records.entries.map(\.message), [
            "waiting for 2 more worker(s) (0 of 2 ready); start one on any machine that can reach this one with: ultraad-worker --connect tcp://127.0.0.1:4100, or rerun this command with --local-workers 2",
            "waiting for 1 more worker(s) (1 of 2 ready); start one on any machine that can reach this one with: ultraad-worker --connect tcp://127.0.0.1:4100, or rerun this command with --local-workers 2",
        ])
        XCTAssertEqual(records.entries.map(\.level), [.notice, .notice])

        // A wildcard host becomes this host's name; CURVE adds the key flags.
        let curve = ClusterConfig.CurveSettings(secretKey: URL(filePath: "/k/c.key_secret"), publicKey: URL(filePath: "/k/c.key"),
                                                authorizedWorkers: [URL(filePath: "/k/w.key")])
        let open = WaitingNotice(localWorkers: 0, endpoint: "tcp://0.0.0.0:4100", curve: curve)
        XCTAssertEqual(open.command, "ultraad-worker --connect tcp://\(ProcessInfo.processInfo.hostName):4100 --server-key /k/c.key --key WORKER.key_secret (a secret key whose public half is in coordinator.curve.authorized_workers)")

        // Enough local workers: quiet for the first 30 s, they connect within a second.
        let quiet = LogRecords()
        var local = WaitingNotice(localWorkers: 2, endpoint: "ipc:///tmp/c.sock", curve: nil)
        let quietLog = Logger(label: "test.quiet") { _ in CapturingLogHandler(records: quiet) }
        local.remind(ready: 0, needed: 2, log: quietLog, now: t0)
        local.remind(ready: 1, needed: 2, log: quietLog, now: t0.addingTimeInterval(29.9))
        XCTAssertEqual(quiet.entries, [])
        local.remind(ready: 1, needed: 2, log: quietLog, now: t0.addingTimeInterval(30))
        XCTAssertEqual(quiet.entries.count, 1)
    }

    func testWorkersFlagsSetTheWorkerCountAndThreads() throws {
        var c = ClusterConfig.defaults(sites: [.init(name: "A", path: URL(filePath: "/a"))], baseDirectory: URL(filePath: "/"))
        c.coordinator.minWorkers = 3
        var local = c
        try WorkerOptions.parse(["--local-workers", "2"]).apply(to: &local)
        XCTAssertEqual(local.coordinator.minWorkers, 3, "at least the configured count")
        try WorkerOptions.parse(["--local-workers", "5"]).apply(to: &local)
        XCTAssertEqual(local.coordinator.minWorkers, 5, "and at least the local workers")
        var remote = c
        try WorkerOptions.parse(["--local-workers", "2", "--workers", "4", "--worker-threads", "8"]).apply(to: &remote)
        XCTAssertEqual(remote.coordinator.minWorkers, 6, "local and remote")
        XCTAssertEqual(remote.worker.threads, 8)
        XCTAssertThrowsError(try WorkerOptions.parse(["--workers", "0"]))
        XCTAssertThrowsError(try WorkerOptions.parse(["--local-workers", "-1"]))
    }

    func testAFlagIsValidatedAsItsKey() throws {
        let c = ClusterConfig.defaults(sites: [.init(name: "A", path: URL(filePath: "/a"))], baseDirectory: URL(filePath: "/"))
        XCTAssertThrowsError(try c.overridden(by: { try TrainingOptions.parse(["--learning-rate=-1"]).apply(to: &$0) },
                                              source: "c.yaml")) { error in
            XCTAssertEqual("\(error)", "c.yaml with the command-line options: train.learning_rate: must be a number greater than 0, found -1.0")
        }
        let ok = try c.overridden(by: { try TrainingOptions.parse(["--steps", "7", "--seed", "9"]).apply(to: &$0) }, source: "c.yaml")
        XCTAssertEqual(ok.train.steps, 7)
        XCTAssertEqual(ok.run.seed, 9)
    }

    /// Discussions are paragraphs (one line each) and example blocks: the parser wraps
    /// them once, at the terminal's width, so no help has ragged half-lines.
    func testEveryCommandsDiscussionIsWrittenAsParagraphs() {
        func all(_ command: ParsableCommand.Type) -> [ParsableCommand.Type] {
            [command] + command.configuration.subcommands.flatMap(all)
        }
        let commands = all(UltraAD.self)
        XCTAssertGreaterThan(commands.count, 15)
        for command in commands {
            let text = command.configuration.discussion
            var inExample = false
            for paragraph in text.components(separatedBy: "\n\n") {
                let lines = paragraph.split(separator: "\n", omittingEmptySubsequences: false)
                if lines.first?.hasPrefix("Example") == true { inExample = true }
                guard !inExample else { continue }   // examples close a discussion, line by line
                for (a, b) in zip(lines, lines.dropFirst()) where !a.hasPrefix(" ") && !b.hasPrefix(" ") {
                    XCTFail("\(command.configuration.commandName ?? "\(command)"): a paragraph broken into lines:\n\(a)\n\(b)")
                }
            }
        }
        // At 60 columns every line of `train --help` is filled up to the width or ends a paragraph.
        let help = Train.helpMessage(columns: 60)
        XCTAssertTrue(help.contains("Reads the prepared support pool (features and text\nembeddings, written by `ultraad prepare`), waits for the"), help)
    }
}
