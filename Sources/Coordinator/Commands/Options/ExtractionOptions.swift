import ArgumentParser
import Foundation
import Shared

/// The options of the commands that compute frozen features (prepare, evaluate, run).
struct ExtractionOptions: ParsableArguments {
    @Option(help: "Threads for CLIP in this process (default: all cores).") var threads: Int?

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Threads of this process's own CLIP work (text prompts; images when extracting here).
    var clipThreads: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// In this process, or on the workers when there are any.
    func extraction(_ workers: WorkerOptions) -> FeatureExtraction {
        guard workers.any else { return .inProcess(threads: clipThreads) }
        return .workers(ExtractionWorkers(local: workers.localWorkers, required: workers.required))
    }
}
