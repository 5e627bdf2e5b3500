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
            Example: ultraad bench comm --steps 4
            """)
        @Option(help: "Timed steps per worker count.") var steps: Int = 4
        @Option(help: "Worker counts to time.") var workers: [Int] = [1, 2]

        func validate() throws {
            guard steps >= 1, workers.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--steps and --workers must be at least 1") }
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
            print("workers  step s   slowest block s   mean block s   coordinator share")
            var oneWorker: Double?
            for w in workers {
                var s = TrainSettings(runFolder: dir.appendingPathComponent("w\(w)"), poolFile: poolFile)
                s.steps = steps + 1; s.queriesPerClass = 8; s.chunkSize = 2; s.checkpointEvery = 0
                s.listen.ipc = "ipc://\(dir.path)/c\(w).sock"; s.minWorkers = w; s.workerTimeout = 60
                try TrainRun(settings: s, localWorkers: w, workerThreads: 1, resume: false, quiet: true).execute()
                let text = try String(contentsOf: s.runFolder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
                let lines = try text.split(separator: "\n").dropFirst().map {
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                }
                let step = lines.map { $0["seconds"] as! Double }.reduce(0, +) / Double(lines.count)
                let critical = lines.map { $0["critical_compute_seconds"] as! Double }.reduce(0, +) / Double(lines.count)
                // The mean block shows how much of the slowest one is imbalance or cores
                // slowing each other down, rather than the coordinator.
                let mean = lines.map { $0["compute_seconds"] as! Double }.reduce(0, +) / Double(lines.count * w)
                let ratio = oneWorker.map { String(format: "   (%.2fx the 1-worker step)", step / $0) } ?? ""
                if w == 1 { oneWorker = step }
                print(String(format: "%-8d %-8.3f %-17.3f %-14.3f %.1f%%", w, step, critical, mean, 100 * (step - critical) / step) + ratio)
            }
        }
    }
}
