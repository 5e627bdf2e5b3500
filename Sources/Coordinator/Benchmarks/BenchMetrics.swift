import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exact pixel AUROC, AP and max-F1 over many pixels: time and memory.",
            discussion: """
            Accumulates --pixels random scores (10% positives, a third of them rounded to create ties) and reduces them exactly. 300 test images at 336x336 are 34 M pixels.

            Example: ultraad bench metrics --pixels 34000000
            """)
        @Option(help: "Number of pixels.") var pixels: Int = 34_000_000

        func validate() throws {
            guard pixels >= 2 else { throw ValidationError("--pixels must be at least 2") }
        }

        func run() throws {
            var rng = SplitMix64(seed: 1)
            var scores = BinaryScores(reservingCapacity: pixels)
            var t = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<pixels {
                let positive = rng.nextUniform() < 0.1
                var s = rng.nextUniform() + (positive ? 0.3 : 0)
                if rng.nextUniform() < 0.3 { s = (s * 100).rounded() / 100 }
                try scores.add(s, positive: positive)
            }
            let fill = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
            t = DispatchTime.now().uptimeNanoseconds
            let m = scores.summary()
            let reduce = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
            print(String(format: "%d pixels (%.0f MB of packed scores): accumulate %.2f s, exact AUROC/AP/F1 %.2f s",
                         pixels, Double(pixels) * 8 / 1e6, fill, reduce))
            print(String(format: "AUROC %.6f  AP %.6f  max-F1 %.6f", m.auroc, m.averagePrecision, m.maxF1))
        }
    }
}
