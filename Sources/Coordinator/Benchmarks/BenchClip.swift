import ArgumentParser
import Foundation
import Shared
#if canImport(Glibc)
import Glibc
#endif

extension Bench {
    struct ClipBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clip",
            abstract: "CLIP image encoder images/s and GFLOP/s.",
            discussion: """
            Encodes --batch random images (seeded, normalized scale) through the image tower, one warm-up then --repeats timed passes; the best counts. FLOPs are the matrix products counted from the shapes. The sgemm peak is measured in the same command (2048^3, same threads, the better of OpenBLAS's threading and row blocks on single-threaded OpenBLAS), so the fraction is comparable across machines.

            --weights: a checkpoint, builtin:tiny, or random:ViT-B-16 / random:ViT-L-14 / random:ViT-L-14-336 (seeded random weights made in memory).

            Example: ultraad bench clip --weights random:ViT-B-16 --batch 8 --threads 2
            """)

        @Option(help: "A checkpoint, builtin:tiny, or random:NAME.") var weights: String = "builtin:tiny"
        @Option(help: "Images per forward pass.") var batch: Int = 8
        @Option(help: "BLAS and worker threads (default: all cores).") var threads: Int?
        @Option(help: "Timed passes (after one warm-up); the best counts.") var repeats: Int = 3
        @Option(help: "Input side in pixels (default: the model's).") var size: Int?
        @Option(help: "Comma-separated layers whose U and Z0 are also computed (default: none, g only).")
        var layers: String?

        func validate() throws {
            guard batch >= 1, repeats >= 1 else { throw ValidationError("--batch and --repeats must be at least 1") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
            if let layers, ClipLayers.parse(layers) == nil { throw ValidationError("--layers: e.g. 6,12,18,24") }
        }

        func run() throws {
            if let threads { BLAS.threads = threads }
            let threads = BLAS.threads
            let vision: CLIPVisionWeights
            if weights.hasPrefix("random:") {
                let name = String(weights.dropFirst("random:".count))
                guard let config = CLIPBenchmark.randomConfigs[name] else {
                    throw ValidationError("unknown \(weights); known: \(CLIPBenchmark.randomConfigs.keys.sorted().map { "random:\($0)" })")
                }
                vision = CLIPBenchmark.randomVision(config)
            } else {
                guard let v = try CLIPModel.load(weights, towers: .vision).vision else { throw CLIPEncodeError.towerMissing(tower: "image") }
                vision = v
            }
            let encoder = CLIPImageEncoder(weights: vision)
            let c = encoder.config, side = size ?? c.imageSize
            let chosen = layers.flatMap(ClipLayers.parse) ?? []
            var rng = SplitMix64(seed: 7)
            let images = Tensor(shape: [batch, 3, side, side], data: (0..<(batch * 3 * side * side)).map { _ in rng.nextNormal() })

            _ = try encoder.encode(images, layers: chosen, threads: threads)
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try encoder.encode(images, layers: chosen, threads: threads)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            let flops = CLIPBenchmark.imageFLOPs(c, grid: side / c.patchSize) * Double(batch)
            let peak = Self.sgemmPeak(threads: threads)
            let gflops = flops / best / 1e9
            let weightsMB = Double(CLIPBenchmark.weightBytes(vision)) / 1e6
            let rssMB = Self.peakRSSMegabytes()
            print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), \(weights): D = \(c.width), \(c.layers) layers, "
                + "patch \(c.patchSize), \(side) px, batch \(batch), layers \(chosen), best of \(repeats)")
            print(String(format: "images/s: %.3f  (%.1f ms per image)", Double(batch) / best, best * 1e3 / Double(batch)))
            print(String(format: "GFLOP/s: %.1f  (%.2f GFLOP per image; sgemm peak %.1f GFLOP/s, fraction %.2f)",
                         gflops, flops / Double(batch) / 1e9, peak, gflops / peak))
            print(String(format: "peak RSS: %.0f MB; image-tower weights %.0f MB (ratio %.2f)", rssMB, weightsMB, rssMB / weightsMB))
        }

        /// sgemm GFLOP/s at 2048^3 on `threads` threads, the better of OpenBLAS's own
        /// threading and row blocks on single-threaded OpenBLAS (what the encoder uses);
        /// best of 3 each.
        static func sgemmPeak(threads: Int) -> Double {
            let openBLAS = GemmBenchmark.run(m: 2048, n: 2048, k: 2048, repeats: 3).rawGFLOPS
            var rng = SplitMix64(seed: 2)
            let a = Tensor(shape: [2048, 2048], data: (0..<(2048 * 2048)).map { _ in rng.nextUniform() - 0.5 })
            var c = Tensor(zeros: [2048, 2048])
            var best = Double.infinity
            for _ in 0..<4 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                ParallelGemm.linear(a, a, into: &c, accumulate: false, threads: threads)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return max(openBLAS, 2 * pow(2048, 3) / best / 1e9)
        }

        /// The peak resident set of this process image: VmHWM from /proc/self/status (reset at
        /// exec; getrusage's ru_maxrss is not, so under a forking parent such as Python's
        /// subprocess it reports the parent's size), else ru_maxrss.
        static func peakRSSMegabytes() -> Double {
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
                return kb / 1024
            }
            var usage = rusage()
            guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
            return Double(usage.ru_maxrss) / 1024   // kilobytes on Linux
        }
    }
}
