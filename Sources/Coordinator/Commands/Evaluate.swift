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
