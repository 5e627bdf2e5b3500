import ArgumentParser
import Foundation
import Shared

struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List a sweep's cells, which are done, and the features still to extract.",
        discussion: """
        Prints every cell in the plan's fixed order (train sites, shots, variants, seeds) with its index, which `sweep run --cell` and a job array's task id use, and its state: done (its metrics.json records the cell's settings and final step), failed (the last attempt's failed.txt), or pending. Then the image views all cells need, counted once each, and how many of them the feature cache does not hold yet (`sweep prepare` computes those). Counting loads each site and draws each cell's shots; --no-features skips that.
        """)
    @OptionGroup var file: SweepFile
    @Flag(help: "Do not count the features (no dataset is read).") var noFeatures = false

    func validate() throws { _ = try file.load() }

    func run() throws {
        let plan = try file.load()
        let s = plan.settings
        let states = plan.cells.map(\.state)
        print("sweep \(plan.folder.path): \(plan.cells.count) cell(s) = \(s.trainSites.count) train-site set(s) x \(s.shots.count) shot count(s) x \(s.variants.count) variant(s) x \(s.seeds.count) seed(s); tested on \(s.testSites.joined(separator: ", "))")
        let width = max(4, plan.cells.map(\.name.count).max() ?? 4)
        print("index  " + "cell".padding(toLength: width, withPad: " ", startingAt: 0) + "  state")
        for (cell, state) in zip(plan.cells, states) {
            var line = String(cell.index).padding(toLength: 7, withPad: " ", startingAt: 0)
                + cell.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + state.word
            if case .failed(let why) = state { line += ": " + (why.split(separator: "\n").first.map(String.init) ?? "") }
            if cell.config.model.isZeroShot { line += " (zero-shot: evaluated, not trained)" }
            print(line)
        }
        let done = states.filter(\.isDone).count, failed = states.filter { if case .failed = $0 { return true }; return false }.count
        print("\(done) done, \(failed) failed, \(plan.cells.count - done - failed) pending")
        guard !noFeatures else { return }
        let features = try SweepFeatures(plan.cells, memo: RunInputsMemo())
        let missing = features.groups.map(\.missing).reduce(0, +)
        print("features: \(features.distinct) distinct image view(s) (\(features.requested) asked for by the cells together), \(missing) still to extract\(missing > 0 ? " (`ultraad sweep prepare --config \(file.config)`)" : "")")
    }
}
