extension ClusterConfig {
    /// `worker:` settings of `ultraad-worker` processes.
    public struct WorkerSettings: Equatable, Sendable, Codable {
        /// Compute threads per worker.
        public var threads: Int
        /// Exit after this long without a coordinator.
        public var idleExit: ConfigDuration
        /// Cap of the reconnect backoff.
        public var reconnectMax: ConfigDuration

        public init(threads: Int = 1, idleExit: ConfigDuration = .minutes(5),
                    reconnectMax: ConfigDuration = .seconds(10)) {
            self.threads = threads; self.idleExit = idleExit; self.reconnectMax = reconnectMax
        }
    }
}
