import ArgumentParser
import Foundation
import Shared

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "prepare, train and evaluate a cluster.yaml in one go.",
        discussion: """
        With --local-workers N, N workers on this host extract the features (prepare, evaluate) and compute the training steps; with --workers N, the command also waits for N remote workers at each stage; without either, features are extracted in this process and training waits for coordinator.min_workers workers, saying how to start one.

        Ctrl-C or SIGTERM during training checkpoints the last finished step; the same command with --resume continues from there (preparation is skipped when RUN/pool.safetensors exists).

        Example: ultraad run --config cluster.yaml --local-workers 2
        """)
    @OptionGroup var file: ConfigFile
    @OptionGroup var training: TrainingOptions
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions
    @Flag(help: "Continue a run stopped during training (Ctrl-C, SIGTERM, a crash) from its latest checkpoint; preparation is skipped when RUN/pool.safetensors exists.")
    var resume = false

    func validate() throws { _ = try effectiveConfig() }

    func effectiveConfig() throws -> ClusterConfig {
        try file.load { c in
            training.apply(to: &c)
            workers.apply(to: &c)
        }
    }

    func run() throws {
        bootstrapLogging()
        let c = try effectiveConfig()
        let extraction = extraction.extraction(workers)
        let train = TrainRun(config: c, poolFile: nil, localWorkers: workers.localWorkers, resume: resume)
        if !resume || !FileManager.default.fileExists(atPath: train.pool.path) {
            _ = try PrepareRun.execute(c, threads: self.extraction.clipThreads, extraction: extraction)
        }
        try train.executeAsCommand()
        let metrics = try EvaluateRun.execute(c, checkpoint: nil, extraction: extraction)
        print(EvaluateRun.table(metrics, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.html").path) (and report.md)")
    }
}
