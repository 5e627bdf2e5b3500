import ArgumentParser
import Foundation
import Shared

/// `--config` of the sweep commands: a cluster.yaml with a `sweep:` section.
struct SweepFile: ParsableArguments {
    @Option(help: "The sweep's cluster.yaml: a run's settings plus a sweep: section with its axes (docs/SWEEPS.md).")
    var config: String

    func load() throws -> SweepPlan { try SweepPlan.load(path: config) }
}
