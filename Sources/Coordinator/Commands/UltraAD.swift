import ArgumentParser
import Foundation
import Logging
import Shared

@main
struct UltraAD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ultraad",
        abstract: "Few-shot CLIP adaptation for breast-ultrasound anomaly detection, trained across worker processes.",
        discussion: """
        The coordinator: it samples few-shot episodes, hands chunks of them to `ultraad-worker` processes over ZeroMQ, averages their gradients and steps the optimizer. Start with `ultraad demo`, which needs no download.
        """,
        subcommands: [
            Demo.self, Simulate.self, Prepare.self, Train.self, Evaluate.self, Run.self,
            CrossSite.self, Sweep.self, Export.self, Predict.self, DataCommand.self, Clip.self, Keys.self, Bench.self,
        ]
    )
}

/// Log lines go to stderr at level `info`, or the level ULTRAAD_LOG names (trace, debug,
/// info, notice, warning, error, critical). A slow choice of OpenBLAS kernels is said first.
func bootstrapLogging() {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = ProcessInfo.processInfo.environment["ULTRAAD_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        return h
    }
    if let advice = BLAS.kernelAdvice { Logger(label: "ultraad").warning("\(advice)") }
}
