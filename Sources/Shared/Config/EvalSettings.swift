extension ClusterConfig {
    /// `eval:` inference and the report.
    public struct EvalSettings: Equatable, Sendable, Codable {
        /// Add the few-shot map from the normal support views' patch memory.
        public var fewShotMemory: Bool
        /// Gaussian filter sigma of the final map, in pixels at mask resolution; 0: none.
        public var smoothingSigma: Double
        /// Anomaly-map PNG overlays in the report.
        public var overlays: Int

        public init(fewShotMemory: Bool = true, smoothingSigma: Double = 4, overlays: Int = 8) {
            self.fewShotMemory = fewShotMemory; self.smoothingSigma = smoothingSigma; self.overlays = overlays
        }
    }
}
