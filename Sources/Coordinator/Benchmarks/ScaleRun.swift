import Foundation
import Shared

/// One `bench scale` measurement: the real coordinator (`ultraad train`) on node0 of an
/// emulated cluster and one real worker (`ultraad-worker --compute-ms`) on each of node1 ...
/// nodeH, until training ends; then its metrics.jsonl and node0's interface counters.
struct ScaleRun {
    struct Result {
        var steps: [StepMetrics]
        /// node0's eth0 counters over the whole run (received, sent), every header included.
        var interface: (received: Int, sent: Int)
    }

    let cluster: EmulatedHosts
    let hosts: Int
    let pool: URL
    let folder: URL
    let steps: Int
    let queriesPerClass: Int
    let chunkSize: Int
    let computeMs: Double
    /// Workers (those on hosts 1 to this) that read query views from the pool file; the
    /// others start with `--no-pool-reads`.
    let poolReaders: Int
    /// Whether the workers relay (else `--no-relay`).
    let relays: Bool

    func execute() throws -> Result {
        let ultraad = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let worker = ultraad.deletingLastPathComponent().appendingPathComponent("ultraad-worker")
        let run = folder.appendingPathComponent("run")
        let address = cluster.address("node0") ?? "?"
        let before = try cluster.interfaceBytes("node0")
        // Heartbeats and worker messages wait behind megabytes of other workers' traffic on
        // node0's link: a generous timeout, so no worker is declared dead for that.
        let coordinator = cluster.process(ultraad, [
            "train", "--pool", pool.path, "--run", run.path, "--steps", "\(steps)", "--workers", "\(hosts)",
            "--queries-per-class", "\(queriesPerClass)", "--chunk-size", "\(chunkSize)", "--checkpoint-every", "0",
            "--adapter-rank", "\(ScaleProblem.head.adapterRank)",
            "--bind", "tcp://\(address):*", "--allow-insecure", "--worker-timeout", "300", "--heartbeat", "2",
        ], on: "node0")
        try logging(coordinator, to: "coordinator.log")
        try coordinator.run()
        var workers = [Process]()
        defer {
            for p in workers + [coordinator] where p.isRunning { p.terminate() }
            for p in workers + [coordinator] { p.waitUntilExit() }
        }
        let endpointFile = run.appendingPathComponent("coordinator.endpoint")
        var endpoint: String?
        let deadline = Date().addingTimeInterval(300)
        while endpoint == nil, coordinator.isRunning, Date() < deadline {
            endpoint = (try? String(contentsOf: endpointFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if endpoint?.isEmpty ?? true { endpoint = nil; Thread.sleep(forTimeInterval: 0.1) }
        }
        guard let endpoint else { throw failure("the coordinator did not start listening") }
        for h in 1...hosts {
            let p = cluster.process(worker, ["--connect", endpoint, "--compute-ms", "\(computeMs)", "--threads", "1",
                                             "--idle-exit", "60"] + (h <= poolReaders ? [] : ["--no-pool-reads"])
                                             + (relays ? ["--relay-bind", "tcp://*:*"] : ["--no-relay"]), on: "node\(h)")
            try logging(p, to: "worker-\(h).log")
            try p.run()
            workers.append(p)
        }
        coordinator.waitUntilExit()
        guard coordinator.terminationStatus == 0 else {
            throw failure("the coordinator exited with status \(coordinator.terminationStatus)")
        }
        for p in workers { p.waitUntilExit() }   // they leave on BYE
        let after = try cluster.interfaceBytes("node0")
        return Result(steps: try StepMetrics.read(run.appendingPathComponent("metrics.jsonl")),
                      interface: (after.received - before.received, after.sent - before.sent))
    }

    private func logging(_ p: Process, to name: String) throws {
        let url = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        p.standardOutput = handle
        p.standardError = handle
    }

    private func failure(_ what: String) -> CoordinatorError {
        let log = (try? String(contentsOf: folder.appendingPathComponent("coordinator.log"), encoding: .utf8)) ?? ""
        let tail = log.split(separator: "\n").suffix(8).joined(separator: "\n")
        return .run("bench scale, hosts \(hosts): \(what); coordinator.log ends:\n\(tail)")
    }
}
