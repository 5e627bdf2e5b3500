import ArgumentParser
import Foundation
import Shared

struct CrossSite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosssite",
        abstract: "Train on each site, test on every site: the domain-shift matrix.",
        discussion: """
        For each site of cluster.yaml (or --sites), runs prepare, train and evaluate with that site as the only training site and every site as a test site, in RUN/train-SITE/. Then writes RUN/crosssite.md and RUN/crosssite.json: for image AUROC, pixel AUROC and classification AUROC, a matrix whose rows are the site trained on and columns the site tested on (the diagonal is in-domain).

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
        let extraction = extraction.extraction(workers)
        var matrix = [String: [String: SiteMetrics]]()
        for site in trainOn {
            var c = base
            c.trainSites = [site]
            c.testSites = all
            c.run.folder = base.run.folder.appendingPathComponent("train-\(site)")
            FileHandle.standardError.write(Data("crosssite: training on \(site) -> \(c.run.folder.path)\n".utf8))
            _ = try PrepareRun.execute(c, threads: self.extraction.clipThreads, extraction: extraction)
            try TrainRun(config: c, poolFile: nil, localWorkers: workers.localWorkers, resume: false, quiet: true).execute()
            matrix[site] = try EvaluateRun.execute(c, checkpoint: nil, extraction: extraction)
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
    }
}
