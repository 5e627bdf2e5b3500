import Foundation
import Logging
import Shared

/// The coordinator's ROUTER socket as every coordinator session opens it: bound to the
/// tcp endpoint (and the ipc one), a CURVE server with a ZAP handler when keys are
/// configured, router options, and the endpoint written to RUN/coordinator.endpoint.
final class CoordinatorSocket {
    private let context = ZMQContext(ioThreads: min(4, ProcessInfo.processInfo.activeProcessorCount))
    /// The socket the session sends and receives on.
    let router: ZMQSocket
    private var zap: ZAPHandler?
    private var refusedKeys = Set<String>()
    private let log: Logger
    /// The tcp endpoint actually bound (tcp://HOST:* resolved to its port).
    let endpoint: String
    /// What workers on this host connect to: the ipc endpoint when there is one.
    let localEndpoint: String
    /// For workers this process starts itself under CURVE: (server public key file,
    /// secret key file of a one-run key pair the ZAP handler admits).
    private(set) var localWorkerKeys: (server: URL, secret: URL)?
    /// "on ENDPOINT [and IPC]", with the CURVE state, for the session's first log line.
    let listeningOn: String
    /// Files this session wrote for its own lifetime (the endpoint, the local workers'
    /// one-run keys): removed when it ends, so no later worker finds a dead endpoint.
    private var sessionFiles: [URL] = []

    /// `settings` are validated (ClusterConfig.validate): a non-loopback bind has CURVE keys
    /// or `allow_insecure`.
    init(_ settings: ClusterConfig.CoordinatorSettings, localWorkers: Int, folder: SessionFolder, log: Logger) throws {
        self.log = log
        router = try ZMQSocket(context, .router)
        if let curve = settings.curve {
            let keys = try CurveKeys.readSecret(curve.secretKey)
            var allowed = try curve.authorizedWorkers.map { url throws(CurveKeyError) in try CurveKeys.readPublic(url) }
            if localWorkers > 0 {   // workers started here get a key pair for this run only
                let local = try CurveKeyPair.generate()
                try local.write(to: folder.url, name: ".local-worker")
                sessionFiles += [".local-worker.key", ".local-worker.key_secret"].map { folder.url.appendingPathComponent($0) }
                allowed.append(local.publicKey)
                localWorkerKeys = (curve.publicKey, folder.url.appendingPathComponent(".local-worker.key_secret"))
            }
            zap = try ZAPHandler(context, allowedPublicKeys: allowed)
            try router.makeCurveServer(keys, domain: "ultraad")
        }
        try router.setRouterMandatory()
        try router.setMaxMessageSize(4 << 30)
        try router.bind(settings.bind.description)
        endpoint = router.lastEndpoint
        if let ipc = settings.ipc { try router.bind(ipc.description) }
        localEndpoint = settings.ipc?.description ?? endpoint
        try folder.writeEndpoint(localEndpoint)
        sessionFiles.append(folder.endpointFile)
        listeningOn = "\(zap == nil ? "" : "(CURVE, \(settings.curve?.authorizedWorkers.count ?? 0) authorized workers) ")on \(endpoint)\(settings.ipc.map { " and \($0)" } ?? "")"
    }

    deinit {
        for file in sessionFiles {
            // The endpoint file only while it still names this session (a newer coordinator
            // in the same folder may have written its own).
            if file.lastPathComponent == "coordinator.endpoint",
               (try? String(contentsOf: file, encoding: .utf8)) != localEndpoint + "\n" { continue }
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// Waits up to `timeout` seconds for a message, answering CURVE authentication
    /// requests meanwhile; true when the router has one.
    func wait(timeout: Double) throws -> Bool {
        let ready = try ZMQSocket.poll([router] + (zap.map { [$0.pollable] } ?? []), timeout: timeout)
        if ready.count > 1, ready[1], let zap {
            for key in try zap.serve() where refusedKeys.insert(key).inserted {
                log.warning("refused a connection: public key \(key) is not in coordinator.curve.authorized_workers")
            }
        }
        return ready[0]
    }

    /// The next queued message, validated up to its payload (never waits).
    func receive() throws -> Incoming? {
        try router.receiveEnvelope(routed: true, wait: false)
    }
}
