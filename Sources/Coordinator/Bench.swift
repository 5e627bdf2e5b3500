import ArgumentParser
import Foundation
import Shared

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed figures (record them in docs/BENCHMARKS.md).",
        subcommands: [Gemm.self, ClipBench.self, HeadBench.self, CommBench.self, Metrics.self]
    )
    struct ClipBench: PlannedCommand {
        static let configuration = CommandConfiguration(
            commandName: "clip", abstract: "CLIP image encoder images/s and GFLOP/s. (planned)")
        static let plannedIn = "the CLIP encoders issue"
        @Argument(parsing: .allUnrecognized) var arguments: [String] = []
    }
}
