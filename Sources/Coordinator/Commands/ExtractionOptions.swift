import ArgumentParser
import Foundation
import Shared

/// The options of the commands that extract features (prepare, evaluate).
struct ExtractionOptions: ParsableArguments {
    @Option(help: "Threads for CLIP in this process (default: all cores).") var threads: Int?
    @Option(help: "Extract features on this many worker processes started on this host (stopped at the end) instead of in this process.")
    var localWorkers: Int = 0
    @Option(help: "Extract features on workers: wait for this many (local ones included; others connect to coordinator.bind) before starting.")
    var workers: Int?
    @Option(help: "CLIP threads of each local worker (default: worker.threads of the config).") var workerThreads: Int?

    func validate() throws {
        for (name, value) in [("--threads", threads), ("--workers", workers), ("--worker-threads", workerThreads)] {
            if let v = value, v < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        guard localWorkers >= 0 else { throw ValidationError("--local-workers must be at least 0") }
    }

    /// Threads of this process's own CLIP work (text prompts; images when extracting here).
    var clipThreads: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func extraction(_ c: ClusterConfig) -> FeatureExtraction {
        guard localWorkers > 0 || workers != nil else { return .inProcess(threads: clipThreads) }
        return .workers(ExtractionWorkers(local: localWorkers, required: workers ?? localWorkers,
                                          localThreads: workerThreads ?? c.worker.threads))
    }
}
