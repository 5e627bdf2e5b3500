import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct CommBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "comm",
            abstract: "Training step time with 1 and 2 local workers, and the coordinator's share.",
            discussion: """
            ViT-L/14@336 head sizes (d = 768, D = 1024, r = 128, 4 layers, P = 576, 336x336 masks; 10 MB of parameters), episodes of 16 queries (2 classes x 8) in chunks of 2, workers of 1 BLAS thread on ipc://. The first step (which ships each worker the query features once) is not timed. The share is the part of a step outside the slowest block's computation: transfer, reduction and the optimizer. The mean block, next to the slowest, shows imbalance between the workers and how much two workers on one machine slow each other down.

            --rounds N repeats the whole comparison N times, alternating the worker counts, and ends with the medians (the ratio of median steps is the figure to quote on a machine whose speed drifts).

            --interleaved instead runs one training with 2 workers whose steps alternate between 1 and 2 workers, and reports the median over neighbouring pairs of steps: each pair sees the same machine load, so on a VM whose speed drifts from minute to minute the ratio is far steadier than between separate runs (pairs in which query features were still being shipped to a worker are left out).

            Examples: ultraad bench comm --steps 6 --rounds 5
                      ultraad bench comm --interleaved --steps 20
            """)
        @Option(help: "Timed steps per worker count.") var steps: Int = 4
        @Option(help: "Worker counts to time.") var workers: [Int] = [1, 2]
        @Option(help: "Rounds: each times every worker count once, in turn; a summary of the medians follows.")
        var rounds: Int = 1
        @Flag(help: "Alternate 1- and 2-worker steps within one run; --steps counts the pairs.")
        var interleaved = false

        func validate() throws {
            guard steps >= 1, rounds >= 1, workers.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--steps, --rounds and --workers must be at least 1")
            }
            if interleaved && (rounds != 1 || workers != [1, 2]) {
                throw ValidationError("--interleaved compares 1 and 2 workers in one run: leave out --rounds and --workers")
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
            if interleaved { return try timeInterleaved(poolFile: poolFile, folder: dir.appendingPathComponent("interleaved")) }
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

        /// Trains `steps` steps on `workers` local workers (at most `limits` per step, see
        /// `SessionTuning.stepWorkerLimits`) and returns each step's metrics.
        private func train(steps: Int, workers w: Int, limits: [Int] = [], poolFile: URL, folder: URL) throws -> [StepMetrics] {
            var c = ClusterConfig.defaults(sites: [], trainSites: [], baseDirectory: folder)
            c.run.folder = folder
            c.train.steps = steps; c.train.queriesPerClass = 8; c.train.chunkSize = 2; c.train.checkpointEvery = 0
            c.coordinator.ipc = .ipc(path: "\(folder.deletingLastPathComponent().path)/\(folder.lastPathComponent).sock")
            c.coordinator.minWorkers = w; c.coordinator.workerTimeout = .seconds(60)
            try c.validate(source: "bench comm", requiringSites: false)
            try TrainRun(config: c, poolFile: poolFile, localWorkers: w, resume: false, quiet: true,
                         session: SessionTuning(stepWorkerLimits: limits)).execute()
            return try StepMetrics.read(c.run.folder.appendingPathComponent("metrics.jsonl"))
        }

        /// Trains `steps` + 1 steps on `workers` local workers and averages the timed steps
        /// (all but the first, which ships each worker the query features).
        private func time(workers w: Int, poolFile: URL, folder: URL) throws -> (step: Double, critical: Double, mean: Double) {
            let lines = try train(steps: steps + 1, workers: w, poolFile: poolFile, folder: folder).dropFirst()
            func average(_ value: (StepMetrics) -> Double) -> Double { lines.map(value).reduce(0, +) / Double(lines.count) }
            // The mean block shows how much of the slowest one is imbalance or cores
            // slowing each other down, rather than the coordinator.
            return (average(\.seconds), average(\.criticalComputeSeconds), average(\.computeSeconds) / Double(w))
        }

        /// One run on 2 workers whose steps alternate 1 worker, 2 workers; each pair of
        /// neighbouring steps (1 then 2) gives a ratio. Warm-up steps are added because the
        /// second worker receives query features during its first 2-worker steps, and pairs
        /// that shipped any are left out.
        private func timeInterleaved(poolFile: URL, folder: URL) throws {
            let lines = try train(steps: 2 * (steps + 3), workers: 2, limits: [1, 2], poolFile: poolFile, folder: folder)
            print("pair  1-worker step s  2-worker step s  ratio   mean block ratio  outside the workers (1, 2)")
            var pairs = [(one: Double, two: Double, blocks: Double, shares: (Double, Double))]()
            for k in stride(from: 0, to: lines.count - 1, by: 2) {
                let one = lines[k], two = lines[k + 1]
                guard one.blocks == 1, two.blocks == 2, one.featuresSent == 0, two.featuresSent == 0 else { continue }
                func share(_ l: StepMetrics) -> Double { (l.seconds - l.criticalComputeSeconds) / l.seconds }
                // The 2-worker step's mean block against the 1-worker block: how much the
                // two workers slow each other down, before imbalance and the coordinator.
                let blocks = two.computeSeconds / 2 / one.computeSeconds
                pairs.append((one.seconds, two.seconds, blocks, (share(one), share(two))))
                let p = pairs[pairs.count - 1]
                print(String(format: "%-5d %-16.3f %-16.3f %-7.3f %-17.3f %.1f%%, %.1f%%", pairs.count, p.one, p.two, p.two / p.one,
                             p.blocks, 100 * p.shares.0, 100 * p.shares.1))
            }
            guard !pairs.isEmpty else { throw CoordinatorError.run("no pair of steps without feature transfers; use more --steps") }
            print(String(format: "median over %d pairs: 1 worker %.3f s (%.1f%% outside), 2 workers %.3f s (%.1f%% outside), ratio %.3f, mean block ratio %.3f",
                         pairs.count, median(pairs.map(\.one)), 100 * median(pairs.map(\.shares.0)), median(pairs.map(\.two)),
                         100 * median(pairs.map(\.shares.1)), median(pairs.map { $0.two / $0.one }), median(pairs.map(\.blocks))))
        }
    }
}
