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

    @Option(help: "Prepared pool file (features + text embeddings).") var pool: String
    @Option(name: .customLong("run"), help: "Run folder (metrics.jsonl, checkpoints/).") var runFolder: String
    @Option(help: "Optimizer steps in total.") var steps: Int = 300
    @Option(help: "Seed of the initial parameters and the episodes.") var seed: UInt64 = 0
    @Option(help: "Queries per class in each episode.") var queriesPerClass: Int = 2
    @Option(help: "Queries per chunk.") var chunkSize: Int = 2
    @Option(help: "AdamW learning rate.") var learningRate: Float = 1e-3
    @Option(help: "Rank r of each patch adapter.") var adapterRank: Int = 128
    @Option(help: "Write a checkpoint every this many steps (0: only at the end).") var checkpointEvery: Int = 50
    @Option(help: "Endpoint to bind: tcp://HOST:PORT (port * picks a free one) or ipc:///path.") var bind: String = "tcp://127.0.0.1:*"
    @Option(help: "An extra ipc:// endpoint for workers on this host.") var ipc: String?
    @Option(help: "Workers to wait for before the first step.") var minWorkers: Int = 1
    @Option(help: "Start this many workers on this host (stopped at the end).") var localWorkers: Int = 0
    @Option(help: "BLAS threads of each local worker.") var workerThreads: Int = 1
    @Option(help: "Seconds of silence after which a worker is dead.") var workerTimeout: Double = 10
    @Option(help: "Seconds between heartbeats.") var heartbeat: Double = 1
    @Flag(help: "Continue from the run folder's latest checkpoint.") var resume = false
    @Flag(help: "Allow binding a non-loopback address without CURVE encryption.") var allowInsecure = false

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard queriesPerClass >= 1, chunkSize >= 1, adapterRank >= 1 else { throw ValidationError("--queries-per-class, --chunk-size and --adapter-rank must be at least 1") }
        guard minWorkers >= 1, localWorkers >= 0, workerThreads >= 1 else { throw ValidationError("--min-workers and --worker-threads must be at least 1, --local-workers at least 0") }
        guard heartbeat > 0, workerTimeout > 2 * heartbeat else { throw ValidationError("--worker-timeout must exceed twice --heartbeat") }
        guard FileManager.default.fileExists(atPath: pool) else { throw ValidationError("--pool \(pool) does not exist; make one with `ultraad prepare`") }
    }

    func run() throws {
        bootstrapLogging()
        var s = TrainSettings(runFolder: URL(fileURLWithPath: runFolder), poolFile: URL(fileURLWithPath: pool))
        s.seed = seed; s.steps = steps; s.queriesPerClass = queriesPerClass; s.chunkSize = chunkSize
        s.adamW.learningRate = learningRate; s.adapterRank = adapterRank; s.checkpointEvery = checkpointEvery
        s.bind = bind; s.ipc = ipc; s.minWorkers = max(minWorkers, localWorkers > 0 ? min(minWorkers, localWorkers) : minWorkers)
        s.workerTimeout = workerTimeout; s.heartbeat = heartbeat; s.allowInsecure = allowInsecure
        try TrainRun(settings: s, localWorkers: localWorkers, workerThreads: workerThreads, resume: resume).execute()
    }
}

/// One training run from settings: load, resume or initialize, coordinate, finish.
struct TrainRun {
    var settings: TrainSettings
    var localWorkers: Int
    var workerThreads: Int
    var resume: Bool

    func execute() throws {
        var s = settings
        try s.checkBindIsSafe()
        let prepared = try PreparedPool.read(from: s.poolFile)
        guard var head = prepared.headConfig(adapterRank: s.adapterRank) else {
            throw CoordinatorError.run("\(s.poolFile.path): the pool holds no support views")
        }
        head.temperature = s.temperature
        head.leakySlope = s.leakySlope
        try prepared.pool.validate(classes: head.classes)
        if s.configDigest.isEmpty {
            let a = s.adamW
            s.configDigest = fnv1aDigest(Array("\(head.digest) seed=\(s.seed) q=\(s.queriesPerClass) chunk=\(s.chunkSize) lr=\(a.learningRate) b=\(a.beta1),\(a.beta2) eps=\(a.epsilon) wd=\(a.weightDecay)".utf8))
        }
        let folder = try RunFolder(s.runFolder)
        var parameters = ParameterSet.initial(head, seed: s.seed)
        var optimizer = AdamW(layout: parameters.layout, settings: s.adamW)
        if resume {
            guard let latest = folder.latestCheckpoint() else {
                throw CoordinatorError.run("--resume: \(folder.checkpoints.path) holds no checkpoint")
            }
            let c = try Checkpoint.read(from: latest, layout: parameters.layout, settings: s.adamW)
            guard c.configDigest == s.configDigest else {
                throw CoordinatorError.run("--resume: \(latest.path) was written under configuration \(c.configDigest), this run's is \(s.configDigest)")
            }
            parameters = c.parameters
            optimizer = c.optimizer
            FileHandle.standardError.write(Data("resuming from \(latest.lastPathComponent) (step \(optimizer.step))\n".utf8))
        }
        let coordinator = try TrainingCoordinator(settings: s, prepared: prepared, head: head,
                                                  parameters: parameters, optimizer: optimizer, folder: folder)
        let workers = LocalWorkers()
        try workers.start(count: localWorkers, endpoint: s.ipc ?? coordinator.endpoint, threads: workerThreads)
        defer { workers.stop() }
        let final = try coordinator.run()
        workers.stop()
        print("trained \(s.steps) steps; final checkpoint \(folder.checkpointURL(step: s.steps).path) (\(final.layout.totalCount) parameters)")
    }
}

func bootstrapLogging() {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = ProcessInfo.processInfo.environment["ULTRAAD_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        return h
    }
}
