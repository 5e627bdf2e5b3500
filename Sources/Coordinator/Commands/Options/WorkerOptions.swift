import ArgumentParser
import Foundation
import Shared

/// Where the work goes, in the same words for every command: `--local-workers N` starts N
/// workers on this host, `--workers N` waits for N remote workers besides them.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Start this many `ultraad-worker` processes on this host; they are stopped at the end.")
    var localWorkers = 0
    @Option(help: "Also wait for this many remote workers. They connect to the endpoint the coordinator logs and writes to RUN/coordinator.endpoint.")
    var workers: Int?
    @Option(help: ArgumentHelp("Threads of each local worker (worker.threads; default \(ClusterConfig.WorkerSettings().threads))."))
    var workerThreads: Int?

    func validate() throws {
        guard localWorkers >= 0 else { throw ValidationError("--local-workers must be at least 0") }
        for (name, value) in [("--workers", workers), ("--worker-threads", workerThreads)] {
            if let v = value, v < 1 { throw ValidationError("\(name) must be at least 1") }
        }
    }

    /// Whether any worker process takes part (else the command computes in-process).
    var any: Bool { localWorkers > 0 || workers != nil }

    /// Workers to wait for before starting: the local ones and the remote ones.
    var required: Int { localWorkers + (workers ?? 0) }

    /// `--worker-threads` is `worker.threads`. Training waits for `coordinator.min_workers`
    /// workers: with `--workers` that is the local and the remote ones; with local workers
    /// only, at least those (they connect within a second).
    func apply(to c: inout ClusterConfig) {
        if let workerThreads { c.worker.threads = workerThreads }
        if workers != nil {
            c.coordinator.minWorkers = required
        } else if localWorkers > 0 {
            c.coordinator.minWorkers = max(c.coordinator.minWorkers, localWorkers)
        }
    }
}
