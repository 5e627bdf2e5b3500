import ArgumentParser
import Foundation
import Shared

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained run on its test sites and write report.md.",
        discussion: """
        Uses RUN/pool.safetensors (bank and normal-patch memory) and the latest checkpoint
        (or --checkpoint). Test images are every image of each test site except a training
        site's shots (RUN/shots.csv). Writes RUN/report.md (metrics tables, ROC curves as
        SVG, anomaly-map overlays as PNG) and RUN/metrics.json, and prints the table.
        Test images missing from the feature cache are encoded in this process, or on
        workers with --local-workers / --workers (as for `ultraad prepare`).
        Examples:
          ultraad evaluate --config cluster.yaml
          ultraad evaluate --config cluster.yaml --local-workers 2
        """)
    @Option(help: "The run's cluster.yaml.") var config: String
    @Option(help: "A checkpoint file (default: the run's latest).") var checkpoint: String?
    @OptionGroup var extraction: ExtractionOptions

    func run() throws {
        bootstrapLogging()
        let c = try ClusterConfig.load(path: config)
        let metrics = try EvaluateRun.execute(c, checkpoint: checkpoint.map { URL(fileURLWithPath: $0) },
                                              extraction: extraction.extraction(c))
        print(EvaluateRun.table(metrics, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.md").path)")
    }
}

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
