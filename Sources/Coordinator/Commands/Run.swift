import ArgumentParser
import Foundation
import Shared

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "prepare, train and evaluate a cluster.yaml in one go.",
        discussion: """
        With --local-workers N, N workers on this host extract the features (prepare,
        evaluate) and compute the training steps; without it, features are extracted in
        this process and training waits for coordinator.min_workers workers.
        Example: ultraad run --config cluster.yaml --local-workers 2
        """)
    @Option(help: "The run's cluster.yaml.") var config: String
    @Option(help: "Start this many workers on this host for feature extraction and training (stopped after each).")
    var localWorkers: Int = 0
    @Option(help: "Threads for CLIP in this process (default: all cores).") var threads: Int?
    @Flag(help: "Continue a run stopped during training (Ctrl-C, SIGTERM, a crash) from its latest checkpoint; preparation is skipped when RUN/pool.safetensors exists.")
    var resume = false

    func validate() throws {
        guard localWorkers >= 0 else { throw ValidationError("--local-workers must be at least 0") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        bootstrapLogging()
        let c = try ClusterConfig.load(path: config)
        let t = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let extraction: FeatureExtraction = localWorkers > 0
            ? .workers(ExtractionWorkers(local: localWorkers, required: localWorkers, localThreads: c.worker.threads))
            : .inProcess(threads: t)
        let settings = TrainSettings(cluster: c, poolFile: nil)
        if !resume || !FileManager.default.fileExists(atPath: settings.poolFile.path) {
            _ = try PrepareRun.execute(c, threads: t, extraction: extraction)
        }
        try TrainRun(settings: settings, localWorkers: localWorkers, workerThreads: c.worker.threads, resume: resume)
            .executeAsCommand()
        let metrics = try EvaluateRun.execute(c, checkpoint: nil, extraction: extraction)
        print(EvaluateRun.table(metrics, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.md").path)")
    }
}
