import ArgumentParser
import Foundation
import Logging
import Shared

struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to a coordinator and compute until it says BYE.",
        discussion: """
        The worker says HELLO, receives the run's frozen bank once, then computes the
        gradient of each block of chunks it is given, heartbeating meanwhile. For
        `ultraad prepare` and `evaluate` with --workers / --local-workers it encodes image
        views with the frozen CLIP instead (the coordinator sends the image files; a
        weights file must exist at the same path here). If the
        coordinator goes silent it reconnects with backoff; after --idle-exit seconds
        without one it exits. ULTRAAD_COORDINATOR is used when --connect is not given.
        Example: ultraad-worker --connect tcp://10.0.0.1:5555 --threads 4
        """)

    @Option(help: "Coordinator address: tcp://HOST:PORT or ipc:///path.")
    var connect: String?
    @Option(help: "Compute threads: BLAS, and CLIP when extracting features (default: SLURM_CPUS_PER_TASK, else 1).")
    var threads: Int?
    @Option(help: "Exit after this many seconds without a coordinator.")
    var idleExit: Double = 300
    @Option(help: "Longest wait between reconnection attempts, in seconds.")
    var reconnectMax: Double = 10
    @Option(help: "The coordinator's CURVE public key file (coordinator.key); with --key, encrypts the connection. Default: ULTRAAD_SERVER_KEY.")
    var serverKey: String?
    @Option(help: "This worker's CURVE secret key file (NAME.key_secret, mode 0600). Default: ULTRAAD_KEY.")
    var key: String?
    @Flag(help: "Log every message (debug level).")
    var verbose = false
    @Flag(help: "Offer no shared memory to a coordinator on this machine: parameters and gradients go over the socket.")
    var noSharedMemory = false
    @Option(help: "For failure-injection tests: sleep this long (milliseconds) before each block and extraction batch.")
    var delayPerBlockMs: Int = 0

    var endpoint: String? { connect ?? ProcessInfo.processInfo.environment["ULTRAAD_COORDINATOR"] }
    var threadCount: Int {
        threads ?? ProcessInfo.processInfo.environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) ?? 1
    }

    func validate() throws {
        guard let e = endpoint else {
            throw ValidationError("say where the coordinator is: --connect tcp://HOST:PORT (or set ULTRAAD_COORDINATOR)")
        }
        guard e.hasPrefix("tcp://") || e.hasPrefix("ipc://") else {
            throw ValidationError("--connect must start with tcp:// or ipc://, got \(e)")
        }
        guard threadCount >= 1 else { throw ValidationError("--threads must be at least 1") }
        let env = ProcessInfo.processInfo.environment
        guard (serverKey ?? env["ULTRAAD_SERVER_KEY"] == nil) == (key ?? env["ULTRAAD_KEY"] == nil) else {
            throw ValidationError("CURVE needs both --server-key (the coordinator's public key) and --key (this worker's secret key)")
        }
        guard idleExit > 0, reconnectMax > 0 else { throw ValidationError("--idle-exit and --reconnect-max must be positive") }
        guard delayPerBlockMs >= 0 else { throw ValidationError("--delay-per-block-ms must be at least 0") }
    }

    func run() throws {
        Memory.restartWithComputeEnvironment(blasThreads: threadCount)
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = verbose ? .debug : .info
            return h
        }
        BLAS.threads = threadCount
        Memory.retainFreedPages()
        let env = ProcessInfo.processInfo.environment
        var curve: (keys: CurveKeyPair, server: String)?
        if let s = serverKey ?? env["ULTRAAD_SERVER_KEY"], let k = key ?? env["ULTRAAD_KEY"] {
            curve = (try CurveKeys.readSecret(URL(fileURLWithPath: k)), try CurveKeys.readPublic(URL(fileURLWithPath: s)))
        }
        let session = try WorkerSession(settings: WorkerSettings(
            endpoint: endpoint ?? "", threads: threadCount, idleExit: idleExit, reconnectMax: reconnectMax,
            delayPerBlock: Double(delayPerBlockMs) / 1000, sharedMemory: !noSharedMemory, curve: curve))
        throw ExitCode(try session.run())
    }
}
