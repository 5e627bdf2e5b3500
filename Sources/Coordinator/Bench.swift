import ArgumentParser
import Foundation
import Shared

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed figures (record them in docs/BENCHMARKS.md).",
        subcommands: [Gemm.self, ClipBench.self, HeadBench.self, CommBench.self, Metrics.self]
    )

    struct Gemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "sgemm GFLOP/s through UltraAD's BLAS wrapper and through raw cblas_sgemm.",
            discussion: """
            Multiplies random square matrices of each size, best of --repeats runs, wrapper
            and raw calls alternating. The overhead column is the wrapper's extra time; on
            1024 it should stay under 5%. Example: ultraad bench gemm --threads 1
            """)

        @Option(help: "Comma-separated square sizes (m = n = k).")
        var sizes: String = "256,512,1024,2048"
        @Option(help: "BLAS threads (default: all cores).")
        var threads: Int?
        @Option(help: "Runs per size; the best time counts.")
        var repeats: Int = 10

        func validate() throws {
            guard parsedSizes != nil else {
                throw ValidationError("--sizes must be positive whole numbers separated by commas, e.g. 256,1024")
            }
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        }

        var parsedSizes: [Int]? {
            let parts = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
            return parts.map { $0! }
        }

        func run() throws {
            if let t = threads { BLAS.threads = t }
            print("OpenBLAS core \(BLAS.coreName), \(BLAS.threads) thread(s), best of \(repeats)")
            print("size      wrapper GFLOP/s   raw GFLOP/s   overhead")
            for s in parsedSizes ?? [] {
                let r = GemmBenchmark.run(m: s, n: s, k: s, repeats: repeats)
                print(String(format: "%-9d %15.1f %13.1f %9.2f%%", s, r.wrapperGFLOPS, r.rawGFLOPS, r.overhead * 100))
            }
        }
    }

    struct HeadBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "head",
            abstract: "Forward and backward of one chunk at ViT-L/14@336 sizes.",
            discussion: """
            P = 576 patches, D = 1024, d = 768, layers 6/12/18/24, r = 128, 336x336 masks,
            a bank of 48 x 5 views, random non-zero parameters. Prints ms per query and the
            GFLOP/s of the matrix products (FLOPs counted from the shapes).
            Example: ultraad bench head --threads 1
            """)

        @Option(help: "BLAS threads.") var threads: Int = 1
        @Option(help: "Queries per chunk.") var queries: Int = 2
        @Option(help: "Timed runs (after one warm-up); the best counts.") var repeats: Int = 5

        func validate() throws {
            guard threads >= 1, queries >= 1, repeats >= 1 else {
                throw ValidationError("--threads, --queries and --repeats must be at least 1")
            }
        }

        func run() throws {
            BLAS.threads = threads
            let c = HeadConfig.vitL14
            let (params, bank, chunk) = HeadBenchmark.problem(config: c, patches: 576, maskSide: 336,
                                                              queries: queries, bankSize: 240, seed: 1)
            _ = UltraADHead.lossAndGradient(parameters: params, config: c, bank: bank, chunk: chunk, scale: 1)
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = UltraADHead.lossAndGradient(parameters: params, config: c, bank: bank, chunk: chunk, scale: 1)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            let flops = HeadBenchmark.gemmFLOPs(config: c, patches: 576, bankSize: 240) * Double(queries)
            print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), chunk of \(queries) queries, best of \(repeats)")
            print(String(format: "forward+backward: %.1f ms per chunk, %.1f ms per query", best * 1e3, best * 1e3 / Double(queries)))
            print(String(format: "GEMM work: %.2f GFLOP per query, %.1f GFLOP/s", flops / Double(queries) / 1e9, flops / best / 1e9))
        }
    }

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exact pixel AUROC, AP and max-F1 over many pixels: time and memory.",
            discussion: """
            Accumulates --pixels random scores (10% positives, a third of them rounded to
            create ties) and reduces them exactly. 300 test images at 336x336 are 34 M pixels.
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

    struct CommBench: PlannedCommand {
        static let configuration = CommandConfiguration(
            commandName: "comm", abstract: "Step time with 1 and 2 workers on loopback. (planned)")
        static let plannedIn = "the distributed runtime issue"
        @Argument(parsing: .allUnrecognized) var arguments: [String] = []
    }
}
