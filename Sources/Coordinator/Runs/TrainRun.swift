import ArgumentParser
import Foundation
import Shared

/// One training run from its effective configuration: load the pool, resume or
/// initialize, coordinate the workers, finish.
struct TrainRun {
    var config: ClusterConfig
    /// The prepared pool (default: RUN/pool.safetensors).
    var poolFile: URL?
    var localWorkers: Int
    var resume: Bool
    var quiet = false
    var session = SessionTuning()

    var pool: URL { poolFile ?? config.run.folder.appendingPathComponent("pool.safetensors") }

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
        guard FileManager.default.fileExists(atPath: pool.path) else {
            throw CoordinatorError.run("\(pool.path) does not exist: run `ultraad prepare --config ...` first (it writes the run's pool.safetensors), or pass --pool")
        }
        let prepared = try PreparedPool.read(from: pool, cache: FeatureCache(root: config.fewShot.cache),
                                             featureDType: config.fewShot.featureDType)
        guard let head = prepared.headConfig(model: config.model) else {
            throw CoordinatorError.run("\(pool.path): the pool holds no support views")
        }
        if head.isZeroShot {
            throw CoordinatorError.run("model.ablate switches off every component that has parameters (\(HeadComponent.listText(head.ablate))): that is the zero-shot baseline, which is evaluated, never trained; run `ultraad evaluate` for it")
        }
        try prepared.pool.validate(classes: head.classes)
        let present = prepared.pool.classesPresent
        if present.count < head.classes {
            let names = present.map { $0 < config.model.classes.count ? config.model.classes[$0] : "\($0)" }
            FileHandle.standardError.write(Data("note: the support pool has images of \(names.joined(separator: ", ")) only: episodes and the bank hold no other class\n".utf8))
        }
        let bank = BankPayload.encode(prepared.bank)
        let bankDigest = BankPayload.digest(bank)
        // What a checkpoint must have been written under to be resumed: the settings that
        // change the result, and the pool they train on.
        let runDigest = fnv1aDigest(Array("config \(config.digest) bank \(bankDigest)".utf8))
        let folder = try RunFolder(config.run.folder)
        try folder.writeEffectiveConfig(config)
        let adamW = config.adamWSettings
        var parameters = ParameterSet.initial(head, seed: config.run.seed)
        var optimizer = AdamW(layout: parameters.layout, settings: adamW)
        if resume {
            let (url, c) = try Self.newestVerifying(in: folder, layout: parameters.layout, settings: adamW)
            guard c.configDigest == runDigest else {
                throw CoordinatorError.run("--resume: \(url.path) was written under settings \(c.configDigest), this run's are \(runDigest): a setting that changes the result (docs/CONFIGURATION.md lists them) or the pool differs; compare with \(folder.effectiveConfig.path)")
            }
            parameters = c.parameters
            optimizer = c.optimizer
            FileHandle.standardError.write(Data("resuming from \(url.lastPathComponent) (step \(optimizer.step))\n".utf8))
        }
        if let note = try folder.startMetrics(afterStep: optimizer.step) {
            FileHandle.standardError.write(Data("\(note)\n".utf8))
        }
        let coordinator = try TrainingCoordinator(config: config, prepared: prepared, poolFile: (pool, config.fewShot.cache),
                                                  bank: bank, bankDigest: bankDigest, head: head,
                                                  runDigest: runDigest, parameters: parameters, optimizer: optimizer,
                                                  folder: folder, events: try RunEvents.training(run: config.run.folder, afterStep: optimizer.step),
                                                  localWorkers: localWorkers, session: session, quiet: quiet)
        let workers = LocalWorkers()
        try workers.start(count: localWorkers, endpoint: coordinator.listener.localEndpoint, settings: config.worker,
                          keys: coordinator.listener.localWorkerKeys)
        defer { workers.stop() }
        let final = try coordinator.run(stopsOnSignal: stopsOnSignal)
        workers.stop()
        if !quiet { print("trained \(config.train.steps) steps; final checkpoint \(folder.checkpointURL(step: config.train.steps).path) (\(final.layout.totalCount) parameters)") }
    }

    /// The newest checkpoint that reads and verifies: a damaged one (a flipped bit, a torn
    /// copy) is named in a warning and the one before it is tried.
    static func newestVerifying(in folder: RunFolder, layout: ParameterLayout,
                                settings: AdamW.Settings) throws -> (URL, Checkpoint) {
        let all = folder.checkpointsNewestFirst()
        guard !all.isEmpty else { throw CoordinatorError.run("--resume: \(folder.checkpoints.path) holds no checkpoint") }
        for url in all {
            do {
                return (url, try Checkpoint.read(from: url, layout: layout, settings: settings))
            } catch {
                FileHandle.standardError.write(Data("warning: --resume: \(error); trying the checkpoint before it\n".utf8))
            }
        }
        throw CoordinatorError.run("--resume: none of the \(all.count) checkpoints in \(folder.checkpoints.path) reads and verifies (each is named above)")
    }
}
