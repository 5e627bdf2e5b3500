/// One cell of a sweep (one training run: train sites, shots, seed and variant) as its
/// summary sees it: its metrics when it finished, why not when it did not.
public struct SweepCellOutcome: Sendable, Equatable {
    /// The cell's stable name (its folder under SWEEP/cells/).
    public var name: String
    public var trainSites: [String]
    public var shots: Int
    public var seed: UInt64
    /// The named config overlay the cell ran with (e.g. an ablation).
    public var variant: String
    /// Metrics by test site; nil when the cell failed or has not run.
    public var metrics: [String: SiteMetrics]?
    /// Why the cell failed; nil when it has metrics, or has not run yet.
    public var failure: String?

    public init(name: String, trainSites: [String], shots: Int, seed: UInt64, variant: String,
                metrics: [String: SiteMetrics]?, failure: String? = nil) {
        self.name = name; self.trainSites = trainSites; self.shots = shots; self.seed = seed
        self.variant = variant; self.metrics = metrics; self.failure = failure
    }

    /// What the summary's list of failed cells says about it.
    public var status: String { metrics != nil ? "finished" : failure ?? "not run" }
}
