import ArgumentParser
import Foundation
import Shared

struct SweepPrepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Extract every image view any cell of a sweep needs, once, into the feature cache.",
        discussion: """
        Draws each cell's shots, collects the support views and test images of all cells, and computes those the feature cache (fewshot.cache) lacks, each distinct image view once, in this process or on workers (--local-workers, --workers). After it, `sweep run` and every job-array task read features only. Running it again computes nothing new.
        """)
    @OptionGroup var file: SweepFile
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions

    func validate() throws { _ = try file.load() }

    func run() throws {
        bootstrapLogging()
        let plan = try file.load()
        let features = try SweepFeatures(plan.cells, memo: RunInputsMemo())
        print("sweep: \(plan.cells.count) cell(s) ask for \(features.requested) image views, \(features.distinct) distinct")
        let extraction = extraction.extraction(workers)
        for group in features.groups {
            let show = LineProgress(label: "sweep features")
            try group.source.computeMissing(group.items, extraction: extraction, progress: { show($0, $1) })
        }
        print("features: all \(features.distinct) in \(plan.common.fewShot.cache.path)")
    }
}
