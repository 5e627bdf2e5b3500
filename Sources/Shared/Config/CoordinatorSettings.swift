import Foundation

extension ClusterConfig {
    /// `coordinator:` where it listens, how many workers it waits for, liveness, security.
    public struct CoordinatorSettings: Equatable, Sendable, Codable {
        /// Loopback, any free port: two runs on one host never collide, and workers find the
        /// port in RUN/coordinator.endpoint (or the log line).
        public static let defaultBind = Endpoint.tcp(host: "127.0.0.1", port: 0)

        /// The ROUTER socket's endpoint.
        public var bind: Endpoint
        /// An extra ipc:// endpoint for workers on this host.
        public var ipc: Endpoint?
        /// Workers to wait for before the first step.
        public var minWorkers: Int
        /// A worker silent this long is dead; its blocks go to others.
        public var workerTimeout: ConfigDuration
        /// Heartbeat interval; less than half of `workerTimeout`.
        public var heartbeat: ConfigDuration
        /// Allow binding a non-loopback address without CURVE keys.
        public var allowInsecure: Bool
        /// CURVE keys: encrypt every connection, admit only the listed workers.
        public var curve: CurveSettings?
        /// Steps go through the relay when all of their workers can relay (docs/PROTOCOL.md).
        public var relay: Bool

        public init(bind: Endpoint = defaultBind, ipc: Endpoint? = nil, minWorkers: Int = 1,
                    workerTimeout: ConfigDuration = .seconds(10), heartbeat: ConfigDuration = .seconds(1),
                    allowInsecure: Bool = false, curve: CurveSettings? = nil, relay: Bool = true) {
            self.bind = bind; self.ipc = ipc; self.minWorkers = minWorkers
            self.workerTimeout = workerTimeout; self.heartbeat = heartbeat
            self.allowInsecure = allowInsecure; self.curve = curve; self.relay = relay
        }
    }

    /// `coordinator.curve:` Z85 key files (`ultraad keys generate`).
    public struct CurveSettings: Equatable, Sendable, Codable {
        /// The coordinator's secret key file (mode 0600).
        public var secretKey: URL
        /// The coordinator's public key file (workers need a copy).
        public var publicKey: URL
        /// Public key files of the workers allowed to connect.
        public var authorizedWorkers: [URL]

        public init(secretKey: URL, publicKey: URL, authorizedWorkers: [URL]) {
            self.secretKey = secretKey; self.publicKey = publicKey; self.authorizedWorkers = authorizedWorkers
        }
    }
}
