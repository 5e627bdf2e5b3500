import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct CommBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "comm",
            abstract: "Training step time with 1 and 2 local workers, and the coordinator's share.",
            discussion: """
            ViT-L/14@336 head sizes (d = 768, D = 1024, r = 128, 4 layers, P = 576, 336x336
            masks; 10 MB of parameters), episodes of 16 queries (2 classes x 8) in chunks of 2,
            workers of 1 BLAS thread on ipc://. The first step (which ships each worker the
            query features once) is not timed. The share is the part of a step outside the
            slowest block's computation: transfer, reduction and the optimizer. The mean
            block, next to the slowest, shows imbalance between the workers and how much two
            workers on one machine slow each other down.
            --rounds N repeats the whole comparison N times, alternating the worker counts, and
            ends with the medians (the ratio of median steps is the figure to quote on a
            machine whose speed drifts).
            Example: ultraad bench comm --steps 6 --rounds 5
            """)
        @Option(help: "Timed steps per worker count.") var steps: Int = 4
        @Option(help: "Worker counts to time.") var workers: [Int] = [1, 2]
        @Option(help: "Rounds: each times every worker count once, in turn; a summary of the medians follows.")
        var rounds: Int = 1

        func validate() throws {
            guard steps >= 1, rounds >= 1, workers.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--steps, --rounds and --workers must be at least 1")
            }
        }

        func run() throws {
            bootstrapLogging()
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ultraad-comm-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let c = HeadConfig(jointDim: 768, visionWidth: 1024, layers: [6, 12, 18, 24], classes: 2)
            let (_, _, chunk) = HeadBenchmark.problem(config: c, patches: 576, maskSide: 336, queries: 16,
                                                      bankSize: 16, seed: 3)
            let images = chunk.queries.enumerated().map { i, q in
                SupportPool.Image(id: Int32(i), label: i % 2, views: [q.features], masks: [q.mask])
            }
            var rng = SplitMix64(seed: 4)
            let text = Tensor(shape: [2, 768], data: (0..<1536).map { _ in rng.nextNormal() })
            let pool = PreparedPool(pool: SupportPool(images: images), t0: text, pt: text, layers: c.layers)
            let poolFile = dir.appendingPathComponent("pool.safetensors")
            try pool.write(to: poolFile)
            print("16 queries per step in 8 chunks; parameters \(ParameterLayout(head: c).totalCount * 4 / 1_000_000) MB")
            print("round  workers  step s   slowest block s   mean block s   coordinator share")
            var results = [Int: [(step: Double, critical: Double, mean: Double)]]()
            for round in 1...rounds {
                var oneWorker: Double?
                for w in workers {
                    let r = try time(workers: w, poolFile: poolFile, folder: dir.appendingPathComponent("r\(round)-w\(w)"))
                    results[w, default: []].append(r)
                    let ratio = oneWorker.map { String(format: "   (%.2fx the 1-worker step)", r.step / $0) } ?? ""
                    if w == 1 { oneWorker = r.step }
                    print(String(format: "%-6d %-8d %-8.3f %-17.3f %-14.3f %.1f%%", round, w, r.step, r.critical, r.mean,
                                 100 * (r.step - r.critical) / r.step) + ratio)
                }
            }
            guard rounds > 1 else { return }
            // Medians over the rounds: the machine's speed drifts, and alternating the
            // worker counts spreads the drift over both.
            func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
            print("median over \(rounds) rounds:")
            let one = results[1].map { median($0.map(\.step)) }
            for w in workers {
                guard let r = results[w] else { continue }
                let step = median(r.map(\.step)), share = median(r.map { ($0.step - $0.critical) / $0.step })
                let ratio = one.map { w == 1 ? "" : String(format: "   (%.2fx the 1-worker step)", step / $0) } ?? ""
                print(String(format: "       %-8d %-8.3f %-17.3f %-14.3f %.1f%%", w, step, median(r.map(\.critical)),
                             median(r.map(\.mean)), 100 * share) + ratio)
            }
        }

        /// Trains `steps` + 1 steps on `workers` local workers and averages the timed steps
        /// (all but the first, which ships each worker the query features).
        private func time(workers w: Int, poolFile: URL, folder: URL) throws -> (step: Double, critical: Double, mean: Double) {
            var s = TrainSettings(runFolder: folder, poolFile: poolFile)
            s.steps = steps + 1; s.queriesPerClass = 8; s.chunkSize = 2; s.checkpointEvery = 0
            s.listen.ipc = "ipc://\(folder.deletingLastPathComponent().path)/\(folder.lastPathComponent).sock"
            s.minWorkers = w; s.workerTimeout = 60
            try TrainRun(settings: s, localWorkers: w, workerThreads: 1, resume: false, quiet: true).execute()
            let text = try String(contentsOf: s.runFolder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            let lines = try text.split(separator: "\n").dropFirst().map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
            func average(_ key: String) -> Double { lines.map { $0[key] as! Double }.reduce(0, +) / Double(lines.count) }
            // The mean block shows how much of the slowest one is imbalance or cores
            // slowing each other down, rather than the coordinator.
            return (average("seconds"), average("critical_compute_seconds"), average("compute_seconds") / Double(w))
        }
    }
}
