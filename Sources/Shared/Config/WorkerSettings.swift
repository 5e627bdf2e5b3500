extension ClusterConfig {
    /// `worker:` settings of `ultraad-worker` processes.
    public struct WorkerSettings: Equatable, Sendable, Codable {
        /// Compute threads per worker.
        public var threads: Int
        /// Exit after this long without a coordinator.
        public var idleExit: ConfigDuration
        /// Cap of the reconnect backoff.
        public var reconnectMax: ConfigDuration
        /// Memory for the query views a worker reads from the run's pool file; past it the
        /// least recently used are dropped (and read again when needed). nil: no limit.
        public var featureMemory: ConfigByteSize?

        public init(threads: Int = 1, idleExit: ConfigDuration = .minutes(5),
                    reconnectMax: ConfigDuration = .seconds(10), featureMemory: ConfigByteSize? = .gibibytes(8)) {
            self.threads = threads; self.idleExit = idleExit; self.reconnectMax = reconnectMax
            self.featureMemory = featureMemory
        }
    }
}
