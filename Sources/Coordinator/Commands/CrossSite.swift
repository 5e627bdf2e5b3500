import ArgumentParser
import Foundation
import Shared

struct CrossSite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosssite",
        abstract: "Train on each site, test on every site: the domain-shift matrix.",
        discussion: """
        A sweep with one axis (docs/SWEEPS.md): for each site of cluster.yaml (or --sites), one cell trained on that site alone and tested on every site, in RUN/cells/SITE_sSHOTS_seedSEED_full/ (run.seed, fewshot.shots). Cells already done are kept, so the command resumes after an interruption. Then writes RUN/crosssite.md and RUN/crosssite.json: for each metric, a matrix whose rows are the site trained on and columns the site tested on (the diagonal is in-domain).

        Example: ultraad crosssite --config cluster.yaml --local-workers 2
        """)
    @OptionGroup var file: ConfigFile
    @Option(help: "Sites to train on, comma-separated (default: all sites).") var sites: String?
    @OptionGroup var training: TrainingOptions
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions

    func validate() throws { _ = try plan() }

    /// The effective configuration and the sites to train on, each checked against it.
    func plan() throws -> (config: ClusterConfig, trainOn: [String]) {
        let base = try file.load { c in
            training.apply(to: &c)
            workers.apply(to: &c)
        }
        let all = base.sites.map(\.name)
        let trainOn = sites.map { $0.split(separator: ",").map(String.init) } ?? all
        for s in trainOn where !all.contains(s) {
            throw ValidationError("--sites: \(s) is not a site of \(file.config) (sites: \(all.joined(separator: ", ")))")
        }
        return (base, trainOn)
    }

    func run() throws {
        bootstrapLogging()
        let (base, trainOn) = try plan()
        let all = base.sites.map(\.name)
        let sweep = try SweepPlan(file: file.config, common: base, trainSites: trainOn.map { [$0] }, testSites: all)
        let runner = SweepRunner(plan: sweep, workers: workers, threads: extraction.clipThreads,
                                 extraction: extraction.extraction(workers))
        let failed = try runner.runAsCommand(sweep.cells, command: "crosssite")
        var matrix = [String: [String: SiteMetrics]]()
        for cell in sweep.cells {
            if case .done(let m) = cell.state { matrix[cell.trainSites[0]] = m.metrics }
        }
        try EvaluationReport.writeCrossSite(matrix: matrix, order: all, to: base.run.folder)
        for metric in ["imageAUROC", "pixelAUROC"] {
            print("\(metric == "imageAUROC" ? "image" : "pixel") AUROC (rows: trained on, columns: tested on)")
            print("      " + all.map { $0.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined())
            for r in trainOn {
                let cells = all.map { col -> String in
                    guard let m = matrix[r]?[col] else { return "  -     " }
                    let v = metric == "imageAUROC" ? m.imageAUROC : m.pixelAUROC
                    return (v.isNaN ? "n/a" : String(format: "%.3f", v)).padding(toLength: 8, withPad: " ", startingAt: 0)
                }
                print(r.padding(toLength: 6, withPad: " ", startingAt: 0) + cells.joined())
            }
        }
        print("matrix: \(base.run.folder.appendingPathComponent("crosssite.md").path)")
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("crosssite: trained on \(failed.joined(separator: ", ")) failed (each cell's failed.txt says why); the matrix leaves those rows out\n".utf8))
            throw ExitCode(1)
        }
    }
}
