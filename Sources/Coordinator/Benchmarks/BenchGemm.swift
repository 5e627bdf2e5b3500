import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct Gemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "sgemm GFLOP/s through UltraAD's BLAS wrapper and through raw cblas_sgemm.",
            discussion: """
            Multiplies random square matrices of each size, best of --repeats runs, wrapper and raw calls alternating. The overhead column is the wrapper's extra time; on 1024 it should stay under 5%. Example: ultraad bench gemm --threads 1
            """)

        @Option(help: "Comma-separated square sizes (m = n = k).")
        var sizes: String = "256,512,1024,2048"
        @Option(help: "Extra shapes MxNxK[:tt] (t/n: is A, B transposed), e.g. 576x128x1024:nn,1024x128x576:tn")
        var shapes: String = ""
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
            for spec in shapes.split(separator: ",") {
                let parts = spec.split(separator: ":")
                let dims = parts[0].split(separator: "x").compactMap { Int($0) }
                let t = parts.count > 1 ? Array(parts[1]) : ["n", "n"]
                guard dims.count == 3, dims.allSatisfy({ $0 > 0 }), t.count == 2 else {
                    throw ValidationError("--shapes: \(spec) is not MxNxK[:tt]")
                }
                let r = GemmBenchmark.run(m: dims[0], n: dims[1], k: dims[2], transA: t[0] == "t", transB: t[1] == "t", repeats: repeats)
                print(String(format: "%-20@ %6.1f %13.1f %9.2f%%", String(spec) as NSString, r.wrapperGFLOPS, r.rawGFLOPS, r.overhead * 100))
            }
        }
    }
}
