import ArgumentParser
import Foundation
import Logging
import Shared

struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to a coordinator and compute until it says BYE.",
        discussion: """
        The worker says HELLO, receives the run's frozen bank once, then computes the gradient of each block of chunks it is given, heartbeating meanwhile. For `ultraad prepare` and `evaluate` with --workers or --local-workers it encodes image views with the frozen CLIP instead (the coordinator sends the image files; the weights file must exist at the same path here). If the coordinator goes silent it reconnects with backoff; after --idle-exit seconds without one it exits.

        The coordinator logs the endpoint to connect to and writes it to RUN/coordinator.endpoint. ULTRAAD_COORDINATOR is used when --connect is not given. With --config, the run's cluster.yaml gives the `worker:` settings (threads, idle_exit, reconnect_max); a flag overrides its key, and in a SLURM job SLURM_CPUS_PER_TASK overrides worker.threads.

        Example: ultraad-worker --connect tcp://10.0.0.1:41234 --threads 4 --config cluster.yaml
        """)

    @Option(help: "Coordinator address: tcp://HOST:PORT or ipc:///path.")
    var connect: String?
    @Option(help: "The run's cluster.yaml, for its `worker:` settings (default: the schema's defaults).")
    var config: String?
    @Option(help: "Compute threads: BLAS, and CLIP when extracting features (default: SLURM_CPUS_PER_TASK, else worker.threads).")
    var threads: Int?
    @Option(help: ArgumentHelp("Exit after this many seconds without a coordinator (worker.idle_exit; default \(ClusterConfig.WorkerSettings().idleExit.seconds))."))
    var idleExit: Double?
    @Option(help: ArgumentHelp("Longest wait between reconnection attempts, in seconds (worker.reconnect_max; default \(ClusterConfig.WorkerSettings().reconnectMax.seconds))."))
    var reconnectMax: Double?
    @Option(help: ArgumentHelp("Memory for query views read from the run's pool file, e.g. 4GiB, or none for no limit; past it the least recently used are dropped and read again when needed (worker.feature_memory; default \(ClusterConfig.WorkerSettings().featureMemory?.description ?? "none"))."))
    var featureMemory: String?
    @Option(help: "Exit as soon as the process with this id, which started the worker, is gone (`ultraad --local-workers` passes its own).")
    var parentPid: Int32?
    @Option(help: "The coordinator's CURVE public key file (coordinator.key); with --key, encrypts the connection. Default: ULTRAAD_SERVER_KEY.")
    var serverKey: String?
    @Option(help: "This worker's CURVE secret key file (NAME.key_secret, mode 0600). Default: ULTRAAD_KEY.")
    var key: String?
    @Flag(help: "Log every message (debug level).")
    var verbose = false
    @Flag(help: "Offer no shared memory to a coordinator on this machine: parameters and gradients go over the socket.")
    var noSharedMemory = false
    @Flag(help: "Read no query features from the run's pool file, even where it can be opened here (a shared file system): the coordinator sends them all.")
    var noPoolReads = false
    @Option(help: "Where this worker listens for the relay: tcp://ADDRESS:PORT, * for any address or a free port. In a step through the relay, workers pass the parameters on to each other and reduce each other's gradient segments, so the coordinator's link carries one parameter vector and one gradient per step whatever the worker count. A wildcard address is advertised under this host's name, which the other workers must resolve. Default: tcp://*:* when the worker has CURVE keys (the relay then uses them too); without CURVE the worker relays only when this is given, since the relay's traffic would not be encrypted.")
    var relayBind: String?
    @Flag(help: "Do not relay: the coordinator sends this worker the parameters and receives its gradients itself.")
    var noRelay = false
    @Option(help: "For failure-injection tests: sleep this long (milliseconds) before each block and extraction batch.")
    var delayPerBlockMs: Int = 0
    @Option(help: "Benchmark (`ultraad bench scale`): instead of computing, sleep this long (milliseconds) per chunk and return a zero gradient of the right size. Not for training: the result is meaningless.")
    var computeMs: Double?

    var endpoint: String? { connect ?? ProcessInfo.processInfo.environment["ULTRAAD_COORDINATOR"] }

    /// The `worker:` settings: cluster.yaml's (or the defaults), then SLURM's CPU count,
    /// then the flags.
    func settings() throws -> ClusterConfig.WorkerSettings {
        var w = try config.map { path throws(ConfigError) in try ClusterConfig.load(path: path).worker } ?? .init()
        if let slurm = ProcessInfo.processInfo.environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) { w.threads = slurm }
        if let threads { w.threads = threads }
        if let idleExit { w.idleExit = .seconds(idleExit) }
        if let reconnectMax { w.reconnectMax = .seconds(reconnectMax) }
        if let featureMemory {
            do { w.featureMemory = featureMemory == "none" ? nil : try ConfigByteSize(parsing: featureMemory) } catch {
                throw ValidationError("--feature-memory: \(error.reason), or none")
            }
        }
        return w
    }

    func validate() throws {
        guard let e = endpoint else {
            throw ValidationError("say where the coordinator is: --connect tcp://HOST:PORT (or set ULTRAAD_COORDINATOR)")
        }
        guard e.hasPrefix("tcp://") || e.hasPrefix("ipc://") else {
            throw ValidationError("--connect must start with tcp:// or ipc://, got \(e)")
        }
        let w = try settings()
        guard w.threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        let env = ProcessInfo.processInfo.environment
        guard (serverKey ?? env["ULTRAAD_SERVER_KEY"] == nil) == (key ?? env["ULTRAAD_KEY"] == nil) else {
            throw ValidationError("CURVE needs both --server-key (the coordinator's public key) and --key (this worker's secret key)")
        }
        guard w.idleExit.seconds > 0, w.reconnectMax.seconds > 0 else { throw ValidationError("--idle-exit and --reconnect-max must be positive") }
        guard delayPerBlockMs >= 0 else { throw ValidationError("--delay-per-block-ms must be at least 0") }
        if let computeMs, !(computeMs >= 0) { throw ValidationError("--compute-ms must be at least 0") }
        if let relayBind {
            guard relayBind.hasPrefix("tcp://") else { throw ValidationError("--relay-bind must be tcp://ADDRESS:PORT, got \(relayBind)") }
            guard !noRelay else { throw ValidationError("--relay-bind and --no-relay contradict each other") }
        }
    }

    func run() throws {
        let w = try settings()
        let threadCount = w.threads
        Memory.restartWithComputeEnvironment(blasThreads: threadCount)
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = verbose ? .debug : .info
            return h
        }
        BLAS.threads = threadCount
        Memory.retainFreedPages()
        if let advice = BLAS.kernelAdvice { Logger(label: "ultraad.worker").warning("\(advice)") }
        let env = ProcessInfo.processInfo.environment
        var curve: (keys: CurveKeyPair, server: String)?
        if let s = serverKey ?? env["ULTRAAD_SERVER_KEY"], let k = key ?? env["ULTRAAD_KEY"] {
            curve = (try CurveKeys.readSecret(URL(fileURLWithPath: k)), try CurveKeys.readPublic(URL(fileURLWithPath: s)))
        }
        let session = try WorkerSession(settings: WorkerSettings(
            endpoint: endpoint ?? "", threads: threadCount, idleExit: w.idleExit.seconds, reconnectMax: w.reconnectMax.seconds,
            delayPerBlock: Double(delayPerBlockMs) / 1000, featureMemory: w.featureMemory?.bytes,
            computation: computeMs.map { .fixedDelay(secondsPerChunk: $0 / 1000) } ?? .head, sharedMemory: !noSharedMemory,
            readsPool: !noPoolReads, curve: curve, relayBind: noRelay ? nil : relayBind ?? (curve == nil ? nil : "tcp://*:*"),
            parentPID: parentPid))
        throw ExitCode(try session.run())
    }
}
