import ArgumentParser
import Foundation
import Logging
import Shared

/// One training run from settings: load, resume or initialize, coordinate, finish.
struct TrainRun {
    var settings: TrainSettings
    var localWorkers: Int
    var workerThreads: Int
    var resume: Bool
    var quiet = false
    /// Floats per PARAMS and GRAD piece (`train --piece-floats`).
    var pieceFloats = Pieces.defaultFloats

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
                                                  localWorkers: localWorkers, quiet: quiet, pieceFloats: pieceFloats)
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
