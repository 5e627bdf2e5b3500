import ArgumentParser
import Foundation
import Logging
import Shared

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the adapters and prompts across workers.",
        discussion: """
        Reads the prepared support pool (features and text embeddings, written by
        `ultraad prepare`), waits for --min-workers workers, and runs --steps optimizer
        steps: each step's episode is split into chunks, workers compute aligned blocks of
        chunks, and the coordinator reduces them in a fixed tree, so the result does not
        depend on how many workers there are or which of them fail.
        Writes RUN/metrics.jsonl (a line per step) and RUN/checkpoints/.
        Example: ultraad train --pool runs/demo/pool.safetensors --run runs/demo --local-workers 2
        """)

    @Option(help: "cluster.yaml: the run, training, model and coordinator settings. Flags below override it.")
    var config: String?
    @Option(help: "Prepared pool file (default: RUN/pool.safetensors, as `ultraad prepare` writes it).") var pool: String?
    @Option(name: .customLong("run"), help: "Run folder (default: run.folder of the config).") var runFolder: String?
    @Option(help: "Optimizer steps in total (default 300).") var steps: Int?
    @Option(help: "Seed of the initial parameters and the episodes (default 0).") var seed: UInt64?
    @Option(help: "Queries per class in each episode (default 2).") var queriesPerClass: Int?
    @Option(help: "Queries per chunk (default 2).") var chunkSize: Int?
    @Option(help: "AdamW learning rate (default 1e-3).") var learningRate: Float?
    @Option(help: "Rank r of each patch adapter (default 128).") var adapterRank: Int?
    @Option(help: "Write a checkpoint every this many steps; 0: only at the end (default 50).") var checkpointEvery: Int?
    @Option(help: "Endpoint to bind: tcp://HOST:PORT (port * picks a free one) or ipc:///path.") var bind: String?
    @Option(help: "An extra ipc:// endpoint for workers on this host.") var ipc: String?
    @Option(help: "Workers to wait for before the first step (default 1).") var minWorkers: Int?
    @Option(help: "Start this many workers on this host (stopped at the end).") var localWorkers: Int = 0
    @Option(help: "BLAS threads of each local worker (default: worker.threads of the config, else 1).") var workerThreads: Int?
    @Option(help: "Seconds of silence after which a worker is dead (default 10).") var workerTimeout: Double?
    @Option(help: "Seconds between heartbeats (default 1).") var heartbeat: Double?
    @Flag(help: "Continue from the run folder's latest checkpoint.") var resume = false
    @Flag(help: "Allow binding a non-loopback address without CURVE encryption.") var allowInsecure = false
    /// For tests and `bench comm --interleaved`: the most workers each step may use, in turn.
    @Option(parsing: .upToNextOption, help: .hidden) var stepWorkerLimits: [Int] = []
    @Option(help: "Floats per PARAMS and GRAD piece, for tests and benchmarks.")
    var pieceFloats: Int = Pieces.defaultFloats

    func validate() throws {
        guard config != nil || (pool != nil && runFolder != nil) else {
            throw ValidationError("give --config cluster.yaml, or both --pool and --run")
        }
        for (name, value) in [("--steps", steps), ("--queries-per-class", queriesPerClass), ("--chunk-size", chunkSize),
                              ("--adapter-rank", adapterRank), ("--min-workers", minWorkers), ("--worker-threads", workerThreads)] {
            if let v = value, v < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        guard localWorkers >= 0 else { throw ValidationError("--local-workers must be at least 0") }
        guard stepWorkerLimits.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--step-worker-limits must be at least 1 each") }
        guard (1...Int(UInt32.max)).contains(pieceFloats) else { throw ValidationError("--piece-floats must be from 1 to \(UInt32.max)") }
        if let h = heartbeat, h <= 0 { throw ValidationError("--heartbeat must be positive") }
        if let p = pool, !FileManager.default.fileExists(atPath: p) {
            throw ValidationError("--pool \(p) does not exist; make one with `ultraad prepare`")
        }
    }

    /// Settings from the config (or built-in defaults), then the flags on top.
    func settings() throws -> (TrainSettings, threads: Int) {
        var s: TrainSettings
        var threads = 1
        if let config {
            let c = try ClusterConfig.load(path: config)
            s = TrainSettings(cluster: c, poolFile: pool.map { URL(fileURLWithPath: $0) })
            threads = c.worker.threads
        } else {
            s = TrainSettings(runFolder: URL(fileURLWithPath: runFolder ?? ""), poolFile: URL(fileURLWithPath: pool ?? ""))
        }
        if let runFolder { s.runFolder = URL(fileURLWithPath: runFolder); if pool == nil { s.poolFile = s.runFolder.appendingPathComponent("pool.safetensors") } }
        if let steps { s.steps = steps }
        if let seed { s.seed = seed }
        if let queriesPerClass { s.queriesPerClass = queriesPerClass }
        if let chunkSize { s.chunkSize = chunkSize }
        if let learningRate { s.adamW.learningRate = learningRate }
        if let adapterRank { s.adapterRank = adapterRank }
        if let checkpointEvery { s.checkpointEvery = checkpointEvery }
        if let bind { s.listen.bind = bind }
        if let ipc { s.listen.ipc = ipc }
        if let minWorkers { s.minWorkers = minWorkers }
        if let workerTimeout { s.workerTimeout = workerTimeout }
        if let heartbeat { s.heartbeat = heartbeat }
        if allowInsecure { s.listen.allowInsecure = true }
        s.stepWorkerLimits = stepWorkerLimits
        guard s.workerTimeout > 2 * s.heartbeat else {
            throw ValidationError("the worker timeout (\(s.workerTimeout) s) must exceed twice the heartbeat (\(s.heartbeat) s)")
        }
        return (s, workerThreads ?? threads)
    }

    func run() throws {
        bootstrapLogging()
        let (s, threads) = try settings()
        try TrainRun(settings: s, localWorkers: localWorkers, workerThreads: threads, resume: resume,
                     pieceFloats: pieceFloats).executeAsCommand()
    }
}
