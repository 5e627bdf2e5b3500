import ArgumentParser
import Foundation
import Shared

struct SweepReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarize a sweep: mean, standard deviation and 95% interval over seeds.",
        discussion: """
        Reads every cell's metrics.json and writes SWEEP/summary.md, summary.csv, summary.json, summary.tex, summary.html and plots/ (docs/FORMATS.md, "Sweep summaries"): for each train sites, test site, shot count and variant, each metric's mean, sample standard deviation, n and Student-t 95% interval over the seeds; each variant's seed-paired difference from the full method; the cross-site matrix of means; the cells that failed or have not run, listed and never averaged in. Each cell's TensorBoard events are in its folder: `tensorboard --logdir SWEEP` compares them.
        """)
    @OptionGroup var file: SweepFile

    func validate() throws { _ = try file.load() }

    func run() throws {
        let plan = try file.load()
        let outcomes = plan.cells.map(\.outcome)
        let summary = try SweepSummary(title: "UltraAD sweep: \(plan.common.run.name)", cells: outcomes,
                                       variants: plan.settings.variants.map(\.name), reference: plan.reference,
                                       testSites: plan.settings.testSites)
        try summary.write(to: plan.folder)
        let finished = outcomes.filter { $0.metrics != nil }.count
        print("sweep: \(finished) of \(outcomes.count) cell(s) summarized\(summary.failed.isEmpty ? "" : "; \(summary.failed.count) without metrics are listed in summary.md")")
        for name in ["summary.md", "summary.html", "summary.csv", "summary.json", "summary.tex"] {
            print("  \(plan.folder.appendingPathComponent(name).path)")
        }
        print("TensorBoard: tensorboard --logdir \(plan.folder.path)")
    }
}
