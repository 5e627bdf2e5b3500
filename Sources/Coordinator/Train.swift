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
        try TrainRun(settings: s, localWorkers: localWorkers, workerThreads: threads, resume: resume).executeAsCommand()
    }
}

/// One training run from settings: load, resume or initialize, coordinate, finish.
struct TrainRun {
    var settings: TrainSettings
    var localWorkers: Int
    var workerThreads: Int
    var resume: Bool
    var quiet = false

    /// `execute` for a command that can --resume (`train`, `run`): SIGINT and SIGTERM
    /// checkpoint the last finished step and stop, which prints what was saved and ends with
    /// status 128 + signal, as the shell reports a process a signal ended. (Inside other
    /// commands, `execute` leaves the signals their default actions.)
    func executeAsCommand() throws {
        do {
            try execute(stopsOnSignal: true)
        } catch let stopped as TrainingStopped {
            FileHandle.standardError.write(Data("\(stopped)\n".utf8))
            throw ExitCode(128 + stopped.signal)
        }
    }

    func execute(stopsOnSignal: Bool = false) throws {
        Memory.retainFreedPages()   // parameters and gradients are 10 MB arrays every step
        var s = settings
        try s.listen.checkBindIsSafe()
        guard FileManager.default.fileExists(atPath: s.poolFile.path) else {
            throw CoordinatorError.run("\(s.poolFile.path) does not exist: run `ultraad prepare --config ...` first (it writes the run's pool.safetensors), or pass --pool")
        }
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
        if let note = try folder.startMetrics(afterStep: optimizer.step) {
            FileHandle.standardError.write(Data("\(note)\n".utf8))
        }
        let coordinator = try TrainingCoordinator(settings: s, prepared: prepared, head: head,
                                                  parameters: parameters, optimizer: optimizer, folder: folder,
                                                  localWorkers: localWorkers, quiet: quiet)
        let workers = LocalWorkers()
        try workers.start(count: localWorkers, endpoint: coordinator.listener.localEndpoint, threads: workerThreads,
                          keys: coordinator.listener.localWorkerKeys)
        defer { workers.stop() }
        let final = try coordinator.run(stopsOnSignal: stopsOnSignal)
        workers.stop()
        if !quiet { print("trained \(s.steps) steps; final checkpoint \(folder.checkpointURL(step: s.steps).path) (\(final.layout.totalCount) parameters)") }
    }
}

func bootstrapLogging() {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = ProcessInfo.processInfo.environment["ULTRAAD_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        return h
    }
}
