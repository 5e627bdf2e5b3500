internal import CBLAS
import Foundation

/// Times `BLAS.sgemm` (the safe wrapper every caller uses) against a direct `cblas_sgemm`
/// call on the same buffers, so the wrapper's cost shows as a ratio on the same machine.
public enum GemmBenchmark {
    public struct Result: Sendable {
        public let m: Int, n: Int, k: Int
        public let wrapperSeconds: Double, rawSeconds: Double
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        public var wrapperGFLOPS: Double { flops / wrapperSeconds / 1e9 }
        public var rawGFLOPS: Double { flops / rawSeconds / 1e9 }
        /// Extra time of the wrapper over the raw call, as a fraction (0.01 = 1%).
        public var overhead: Double { wrapperSeconds / rawSeconds - 1 }
    }

    /// Best-of-`repeats` time for each, alternating wrapper and raw calls so that clock
    /// and load drift hit both alike.
    public static func run(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, repeats: Int) -> Result {
        var rng = SplitMix64(seed: 1)
        let a = (0..<(m * k)).map { _ in rng.nextUniform() - 0.5 }
        let b = (0..<(k * n)).map { _ in rng.nextUniform() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        var bestWrapper = Double.infinity, bestRaw = Double.infinity
        func timeWrapper() -> Double {
            let t = DispatchTime.now().uptimeNanoseconds
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b, c: &c)
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        }
        func timeRaw() -> Double {
            let t = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                                    Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(transA ? m : k),
                                    pb.baseAddress, Int32(transB ? k : n),
                                    0, pc.baseAddress, Int32(n))
                    }
                }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        }
        _ = timeRaw()   // warm-up: first-touch page faults and OpenBLAS buffers
        for r in 0..<max(1, repeats) {
            // Alternate which goes first, so neither always runs on a warmer cache.
            if r % 2 == 0 {
                bestWrapper = min(bestWrapper, timeWrapper()); bestRaw = min(bestRaw, timeRaw())
            } else {
                bestRaw = min(bestRaw, timeRaw()); bestWrapper = min(bestWrapper, timeWrapper())
            }
        }
        return Result(m: m, n: n, k: k, wrapperSeconds: bestWrapper, rawSeconds: bestRaw)
    }
}
