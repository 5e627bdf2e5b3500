extension ClusterConfig {
    /// `data:` how datasets are read.
    public struct DataSettings: Equatable, Sendable, Codable {
        /// Skip unreadable or inconsistent images with a warning (and a count in the
        /// report) instead of stopping with an error.
        public var skipBad: Bool
        /// A mask pixel is lesion when its value, scaled to [0, 1], is at least this.
        public var maskThreshold: Double

        public init(skipBad: Bool = false, maskThreshold: Double = 0.5) {
            self.skipBad = skipBad; self.maskThreshold = maskThreshold
        }
    }
}
