import Foundation
import Shared

/// Everything a training run needs, whether it came from cluster.yaml or from flags.
struct TrainSettings: Sendable {
    var runFolder: URL
    var poolFile: URL
    var seed: UInt64 = 0
    var steps: Int = 300
    var queriesPerClass = 2
    var chunkSize = 2
    var adamW = AdamW.Settings()
    var adapterRank = 128
    var temperature: Float = 0.07
    var leakySlope: Float = 0.01
    var checkpointEvery = 50
    var listen = ListenSettings()
    var minWorkers = 1
    var workerTimeout = 10.0
    var heartbeat = 1.0
    /// The most workers step k may use is `stepWorkerLimits[k % count]` (empty: all of
    /// them). Not in cluster.yaml: `bench comm --interleaved` alternates 1- and 2-worker
    /// steps in one run, so each pair of steps sees the same machine load.
    var stepWorkerLimits: [Int] = []
    /// Digest of the configuration text the run was started with.
    var configDigest = ""

    init(runFolder: URL, poolFile: URL) {
        self.runFolder = runFolder
        self.poolFile = poolFile
    }

    /// The training part of a cluster.yaml. The pool defaults to RUN/pool.safetensors.
    init(cluster c: ClusterConfig, poolFile: URL?) {
        runFolder = c.run.folder
        self.poolFile = poolFile ?? c.run.folder.appendingPathComponent("pool.safetensors")
        seed = c.run.seed
        steps = c.train.steps
        queriesPerClass = c.train.queriesPerClass
        chunkSize = c.train.chunkSize
        adamW = c.adamWSettings
        adapterRank = c.model.adapterRank
        temperature = Float(c.model.temperature)
        leakySlope = Float(c.model.leakySlope)
        checkpointEvery = c.train.checkpointEvery
        listen = ListenSettings(cluster: c)
        minWorkers = c.coordinator.minWorkers
        workerTimeout = c.coordinator.workerTimeout.seconds
        heartbeat = c.coordinator.heartbeat.seconds
        configDigest = c.digest
    }
}

enum CoordinatorError: Error, CustomStringConvertible {
    case config(String)
    case run(String)

    var description: String {
        switch self {
        case .config(let m): return m
        case .run(let m): return m
        }
    }
}
