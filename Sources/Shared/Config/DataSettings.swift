extension ClusterConfig {
    /// `data:` how datasets are read.
    public struct DataSettings: Equatable, Sendable, Codable {
        /// Skip unreadable or inconsistent images with a warning (and a count in the
        /// report) instead of stopping with an error.
        public var skipBad: Bool
        /// A mask pixel is lesion when its largest colour channel, scaled to [0, 1], is at least this.
        public var maskThreshold: Double
        /// Near-duplicate images join one group for the few-shot split, so that a duplicate
        /// of a support image is never tested on (docs/DATASETS.md, "Groups and duplicates").
        public var mergeDuplicates: Bool

        public init(skipBad: Bool = false, maskThreshold: Double = 0.5, mergeDuplicates: Bool = true) {
            self.skipBad = skipBad; self.maskThreshold = maskThreshold; self.mergeDuplicates = mergeDuplicates
        }
    }
}
