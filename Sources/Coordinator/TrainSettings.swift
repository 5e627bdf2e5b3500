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
    var bind = "tcp://127.0.0.1:*"
    var ipc: String?
    var minWorkers = 1
    var workerTimeout = 10.0
    var heartbeat = 1.0
    var allowInsecure = false
    /// CURVE: the coordinator's secret key file and the public key files of the workers
    /// allowed to connect (nil: no encryption, loopback only unless allowInsecure).
    var curve: CurveFiles?
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
        bind = c.coordinator.bind.description
        ipc = c.coordinator.ipc?.description
        minWorkers = c.coordinator.minWorkers
        workerTimeout = c.coordinator.workerTimeout.seconds
        heartbeat = c.coordinator.heartbeat.seconds
        allowInsecure = c.coordinator.allowInsecure
        curve = c.coordinator.curve.map {
            CurveFiles(secretKey: $0.secretKey, publicKey: $0.publicKey, authorizedWorkers: $0.authorizedWorkers)
        }
        configDigest = c.digest
    }

    /// Refuses to listen beyond this host without encryption (DESIGN.md, transport
    /// security), unless explicitly allowed.
    func checkBindIsSafe() throws {
        for endpoint in [bind] + (ipc.map { [$0] } ?? []) {
            if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { continue }
            guard endpoint.hasPrefix("tcp://") else {
                throw CoordinatorError.config("coordinator.bind: \(endpoint) is neither tcp:// nor ipc://")
            }
            let hostPort = endpoint.dropFirst("tcp://".count)
            let host = hostPort.split(separator: ":").dropLast().joined(separator: ":")
            let loopback = host.hasPrefix("127.") || host == "localhost" || host == "[::1]" || host == "::1"
            if !loopback && !allowInsecure && curve == nil {
                throw CoordinatorError.config("coordinator.bind: \(endpoint) is not a loopback address; without CURVE keys workers' traffic would be unencrypted. Bind 127.0.0.1, configure coordinator.curve, or set coordinator.allow_insecure: true")
            }
        }
    }
}

struct CurveFiles: Sendable {
    var secretKey: URL
    var publicKey: URL
    var authorizedWorkers: [URL]
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
