import ArgumentParser
import Foundation
import Shared

/// Where `prepare` and `evaluate` compute the frozen features the cache does not hold.
enum FeatureExtraction {
    /// CLIP in this process, with this many threads (the default).
    case inProcess(threads: Int)
    /// On worker processes; this process encodes no image.
    case workers(ExtractionWorkers)
}

/// One image view whose frozen features are to be computed: its place in the caller's
/// list, the dataset image, the image file's digest (the cache key) and the view.
struct ExtractionItem {
    let index: Int
    let entry: DatasetEntry
    let digest: String
    let view: ViewKind
}

/// Feature extraction on worker processes: how many this process starts on its own host,
/// how many to wait for before the first batch, and the threads of each one it starts.
struct ExtractionWorkers: Sendable {
    var local: Int
    var required: Int
    var localThreads: Int
}

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
