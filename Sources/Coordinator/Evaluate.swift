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
        Example: ultraad evaluate --config cluster.yaml
        """)
    @Option(help: "The run's cluster.yaml.") var config: String
    @Option(help: "A checkpoint file (default: the run's latest).") var checkpoint: String?
    @Option(help: "Threads for CLIP (default: all cores).") var threads: Int?

    func run() throws {
        bootstrapLogging()
        let c = try ClusterConfig.load(path: config)
        let metrics = try EvaluateRun.execute(c, checkpoint: checkpoint.map { URL(fileURLWithPath: $0) },
                                              threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        print(EvaluateRun.table(metrics, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.md").path)")
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "prepare, train and evaluate a cluster.yaml in one go.",
        discussion: "Example: ultraad run --config cluster.yaml --local-workers 2")
    @Option(help: "The run's cluster.yaml.") var config: String
    @Option(help: "Start this many workers on this host for training.") var localWorkers: Int = 0
    @Option(help: "Threads for CLIP (default: all cores).") var threads: Int?

    func run() throws {
        bootstrapLogging()
        let c = try ClusterConfig.load(path: config)
        let t = threads ?? ProcessInfo.processInfo.activeProcessorCount
        _ = try PrepareRun.execute(c, threads: t)
        try TrainRun(settings: TrainSettings(cluster: c, poolFile: nil), localWorkers: localWorkers,
                     workerThreads: c.worker.threads, resume: false).execute()
        let metrics = try EvaluateRun.execute(c, checkpoint: nil, threads: t)
        print(EvaluateRun.table(metrics, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.md").path)")
    }
}
