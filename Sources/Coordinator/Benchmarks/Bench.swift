import ArgumentParser
import Foundation
import Shared

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed figures (record them in docs/BENCHMARKS.md).",
        subcommands: [Gemm.self, ClipBench.self, ExtractBench.self, HeadBench.self, CommBench.self, ScaleBench.self, Metrics.self]
    )
}
