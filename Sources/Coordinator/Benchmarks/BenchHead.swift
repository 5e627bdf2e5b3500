import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct HeadBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "head",
            abstract: "Forward and backward of one chunk at ViT-L/14@336 sizes.",
            discussion: """
            P = 576 patches, D = 1024, d = 768, layers 6/12/18/24, r = 128, 336x336 masks, a bank of 48 x 5 views, random non-zero parameters. Prints ms per query and the GFLOP/s of the matrix products (FLOPs counted from the shapes).

            Example: ultraad bench head --threads 1 (add --feature-dtype float16 for float16 features)
            """)

        @Option(help: "BLAS threads.") var threads: Int = 1
        @Option(help: "Queries per chunk.") var queries: Int = 2
        @Option(help: "Timed runs (after one warm-up); the best counts.") var repeats: Int = 5
        @Option(help: ArgumentHelp("Time a worker's whole block of this many chunks instead of one chunk.",
                                   discussion: "Preparing the head and the tree-order sum included, as a worker computes a block; a power of two."))
        var block: Int?
        @Option(name: .customLong("feature-dtype"), help: ArgumentHelp("How the queries' U and Z0 are stored: float32 or float16 (fewshot.feature_dtype).",
                                   discussion: "float16 adds the widening of every U and Z0 to Float to the time."))
        var featureDType: FeatureDType = .float32

        func validate() throws {
            guard threads >= 1, queries >= 1, repeats >= 1 else {
                throw ValidationError("--threads, --queries and --repeats must be at least 1")
            }
            if let block, block < 1 || block & (block - 1) != 0 {
                throw ValidationError("--block must be a power of two (a worker's aligned block), not \(block)")
            }
        }

        func run() throws {
            BLAS.threads = threads
            Memory.retainFreedPages()
            let c = HeadConfig.vitL14
            var (params, bank, chunk) = HeadBenchmark.problem(config: c, patches: 576, maskSide: 336,
                                                              queries: queries, bankSize: 240, seed: 1)
            for i in chunk.queries.indices { chunk.queries[i].features = chunk.queries[i].features.stored(as: featureDType) }
            let chunks = block ?? 1
            // One chunk, or a worker's block: the head prepared once, every chunk, the tree sum.
            func work() {
                if let block {
                    let head = UltraADHead.Prepared(parameters: params, config: c, bank: bank)
                    _ = head.blockGradient(chunks: Array(repeating: chunk, count: block))
                } else {
                    _ = UltraADHead.lossAndGradient(parameters: params, config: c, bank: bank, chunk: chunk, scale: 1)
                }
            }
            work()
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds, c0 = threadCPUSeconds()
                work()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                bestCPU = min(bestCPU, threadCPUSeconds() - c0)
            }
            let queries = self.queries * chunks
            let flops = HeadBenchmark.gemmFLOPs(config: c, patches: 576, bankSize: 240) * Double(queries)
            let unit = block.map { "block of \($0) chunks of \(self.queries) queries" } ?? "chunk of \(queries) queries"
            print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), \(unit), \(featureDType.rawValue) features, best of \(repeats)")
            print(String(format: "forward+backward: %.1f ms per %@, %.1f ms per query", best * 1e3,
                         block == nil ? "chunk" : "block", best * 1e3 / Double(queries)))
            if threads == 1 {
                print(String(format: "CPU time of the computing thread: %.1f ms per query (less sensitive to other load)", bestCPU * 1e3 / Double(queries)))
            }
            print(String(format: "GEMM work: %.2f GFLOP per query, %.1f GFLOP/s", flops / Double(queries) / 1e9, flops / best / 1e9))
        }
    }
}

/// CPU seconds used by the calling thread (excludes time spent waiting for a core).
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension FeatureDType: ExpressibleByArgument {}
