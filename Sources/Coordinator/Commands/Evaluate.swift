import ArgumentParser
import Foundation
import Shared

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained run on its test sites and write report.md.",
        discussion: """
        Uses RUN/pool.safetensors (bank and normal-patch memory) and the latest checkpoint (or --checkpoint). Test images are every image of each test site except a training site's shots (RUN/shots.csv). Writes RUN/report.md (metrics tables, ROC curves as SVG, anomaly-map overlays as PNG) and RUN/metrics.json, and prints the table.

        Test images missing from the feature cache are encoded in this process, or on workers with --local-workers or --workers (as for `ultraad prepare`).

        Examples:
          ultraad evaluate --config cluster.yaml
          ultraad evaluate --config cluster.yaml --local-workers 2
        """)
    @OptionGroup var file: ConfigFile
    @Option(help: "A checkpoint file (default: the run's latest).") var checkpoint: String?
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions

    func validate() throws {
        if let checkpoint, !FileManager.default.fileExists(atPath: checkpoint) {
            throw ValidationError("--checkpoint \(checkpoint) does not exist")
        }
        _ = try effectiveConfig()
    }

    func effectiveConfig() throws -> ClusterConfig { try file.load(workers.apply) }

    func run() throws {
        bootstrapLogging()
        let c = try effectiveConfig()
        let metrics = try EvaluateRun.execute(c, checkpoint: checkpoint.map { URL(fileURLWithPath: $0) },
                                              extraction: extraction.extraction(workers))
        print(EvaluateRun.table(metrics, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.html").path) (and report.md)")
    }
}
