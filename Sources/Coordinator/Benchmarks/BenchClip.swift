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
            Encodes --batch random images (seeded, normalized scale) through the image tower: one warm-up pass, then --rounds rounds, each measuring the sgemm peak (2048^3, same threads, the better of OpenBLAS's threading and row blocks on single-threaded OpenBLAS) and then timing --repeats passes, the best of which counts for the round. The fraction of each round is the encoder's GFLOP/s over that round's peak, so the speed of a machine that drifts (a shared VM) hits both alike; the figures printed at the end are the medians over the rounds. FLOPs are the matrix products counted from the shapes.

            --profile adds where the time goes, phase by phase (GEMMs, attention, the row passes), summed over every timed pass: milliseconds per image, the share of the pass, and for the GEMM phases their GFLOP/s and fraction of the median peak. The share of CPU time the hypervisor took (steal, from /proc/stat) during the rounds is printed where the system reports it.

            --weights: a checkpoint, builtin:tiny, or random:ViT-B-16 / random:ViT-L-14 / random:ViT-L-14-336 (seeded random weights made in memory).

            Example: ultraad bench clip --weights random:ViT-B-16 --batch 1 --threads 2 --rounds 5 --profile
            """)

        @Option(help: "A checkpoint, builtin:tiny, or random:NAME.") var weights: String = "builtin:tiny"
        @Option(help: "Images per forward pass.") var batch: Int = 8
        @Option(help: "BLAS and worker threads (default: all cores).") var threads: Int?
        @Option(help: "Rounds of a peak measurement and timed passes; the medians over rounds are printed.")
        var rounds: Int = 3
        @Option(help: "Timed passes per round (after one warm-up); the best counts for the round.") var repeats: Int = 3
        @Option(help: "Input side in pixels (default: the model's).") var size: Int?
        @Option(help: "Comma-separated layers whose U and Z0 are also computed (default: none, g only).")
        var layers: String?
        @Flag(help: "Print the time per phase of the encoder.") var profile = false

        func validate() throws {
            guard batch >= 1, repeats >= 1, rounds >= 1 else {
                throw ValidationError("--batch, --rounds and --repeats must be at least 1")
            }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
            if let layers, ClipLayers.parse(layers) == nil { throw ValidationError("--layers: e.g. 6,12,18,24") }
        }

        func run() throws {
            if let threads { BLAS.threads = threads }
            let threads = BLAS.threads
            let vision = try Self.vision(weights)
            let encoder = CLIPImageEncoder(weights: vision)
            let c = encoder.config, side = size ?? c.imageSize
            let chosen = layers.flatMap(ClipLayers.parse) ?? []
            var rng = SplitMix64(seed: 7)
            let images = Tensor(shape: [batch, 3, side, side], data: (0..<(batch * 3 * side * side)).map { _ in rng.nextNormal() })
            let phaseFLOPs = CLIPBenchmark.phaseFLOPs(c, grid: side / c.patchSize, outputLayers: Set(chosen).count)
                .mapValues { $0 * Double(batch) }
            let flops = phaseFLOPs.values.reduce(0, +)
            print("OpenBLAS core \(BLAS.coreName), exp kernels \(VectorMath.usesAVX2 ? "AVX2" : "baseline"), attention \(Attention.usesAVX2 ? "AVX2 + FMA" : "baseline"), \(threads) thread(s), \(weights): D = \(c.width), \(c.layers) layers, "
                + "patch \(c.patchSize), \(side) px, batch \(batch), layers \(chosen), \(rounds) rounds x best of \(repeats)")

            _ = try encoder.encode(images, layers: chosen, threads: threads)
            let phases: EncoderProfile? = profile ? EncoderProfile() : nil
            let stealBefore = CPUTimes.read()
            var peaks: [Double] = [], seconds: [Double] = []
            for round in 1...rounds {
                let peak = Self.sgemmPeak(threads: threads)
                var best = Double.infinity
                for _ in 0..<repeats {
                    phases?.start()
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try encoder.encode(images, layers: chosen, threads: threads, profile: phases)
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                peaks.append(peak)
                seconds.append(best)
                print(String(format: "round %d: %.3f images/s, %.1f GFLOP/s, sgemm peak %.1f, fraction %.2f",
                             round, Double(batch) / best, flops / best / 1e9, peak, flops / best / 1e9 / peak))
            }
            let steal = CPUTimes.read().flatMap { after in stealBefore.map { after.stealShare(since: $0) } }
            let fractions = zip(seconds, peaks).map { flops / $0 / 1e9 / $1 }
            let time = median(seconds), peak = median(peaks)
            let weightsMB = Double(CLIPBenchmark.weightBytes(vision)) / 1e6
            let rssMB = Self.peakRSSMegabytes()
            print(String(format: "images/s: %.3f  (%.1f ms per image; median of rounds)", Double(batch) / time,
                         time * 1e3 / Double(batch)))
            print(String(format: "GFLOP/s: %.1f  (%.2f GFLOP per image; sgemm peak %.1f GFLOP/s, fraction %.2f)",
                         flops / time / 1e9, flops / Double(batch) / 1e9, peak, median(fractions)))
            print(String(format: "peak RSS: %.0f MB; image-tower weights %.0f MB (ratio %.2f)", rssMB, weightsMB, rssMB / weightsMB))
            if let steal { print(String(format: "CPU time taken by the hypervisor (steal) during the rounds: %.0f%%", steal * 100)) }
            if let phases { Self.printProfile(phases, flops: phaseFLOPs, passes: rounds * repeats, batch: batch, peak: peak) }
        }

        /// The image tower of --weights: a checkpoint, builtin:tiny, or random:NAME.
        static func vision(_ weights: String) throws -> CLIPVisionWeights {
            if weights.hasPrefix("random:") {
                let name = String(weights.dropFirst("random:".count))
                guard let config = CLIPBenchmark.randomConfigs[name] else {
                    throw ValidationError("unknown \(weights); known: \(CLIPBenchmark.randomConfigs.keys.sorted().map { "random:\($0)" })")
                }
                return CLIPBenchmark.randomVision(config)
            }
            guard let v = try CLIPModel.load(weights, towers: .vision).vision else { throw CLIPEncodeError.towerMissing(tower: "image") }
            return v
        }

        /// One line per phase: ms per image, share of the pass, and GFLOP/s with the
        /// fraction of `peak` where the phase is a matrix product.
        static func printProfile(_ p: EncoderProfile, flops: [EncoderProfile.Phase: Double], passes: Int, batch: Int,
                                 peak: Double) {
            let total = p.total
            print("phase                                   ms/image   share   GFLOP/s  of peak")
            for phase in EncoderProfile.Phase.allCases {
                let s = p.seconds[phase] ?? 0
                var line = phase.rawValue.padding(toLength: 38, withPad: " ", startingAt: 0)
                line += String(format: " %9.2f  %5.1f%%", s * 1e3 / Double(passes * batch), 100 * s / total)
                if let f = flops[phase], s > 0 {
                    let rate = f * Double(passes) / s / 1e9
                    line += String(format: "  %8.1f  %7.2f", rate, rate / peak)
                }
                print(line)
            }
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

/// The machine's CPU time counters (/proc/stat's first line, in clock ticks), for the
/// share the hypervisor took from this VM (steal) while a benchmark ran.
struct CPUTimes {
    let steal: Double, total: Double

    static func read() -> CPUTimes? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        // user nice system idle iowait irq softirq steal [guest guest_nice]: guests are
        // already inside user and nice.
        let fields = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard fields.count == 8 else { return nil }
        return CPUTimes(steal: fields[7], total: fields.reduce(0, +))
    }

    func stealShare(since earlier: CPUTimes) -> Double {
        total > earlier.total ? (steal - earlier.steal) / (total - earlier.total) : 0
    }
}
