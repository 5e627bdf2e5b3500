/// One point of a ROC curve.
public struct ROCPoint: Equatable, Sendable {
    public var fpr: Double
    public var tpr: Double
    public init(fpr: Double, tpr: Double) { self.fpr = fpr; self.tpr = tpr }
}

/// A finished test site: its metrics, ROC curves (thinned for plotting) and the overlay
/// gallery. Small: what `EvaluationReport.write` needs, without the pixel scores.
public struct SiteEvaluation: Sendable {
    public var name: String
    /// Class names by index; index 0 is the normal class.
    public var classNames: [String]
    public var metrics: SiteMetrics
    /// Image-level and pixel-level ROC curves from (0, 0) to (1, 1).
    public var imageROC: [ROCPoint]
    public var pixelROC: [ROCPoint]
    /// The gallery, by class: the best and worst images of each.
    public var overlays: [OverlaySample]

    public init(name: String, classNames: [String], metrics: SiteMetrics,
                imageROC: [ROCPoint], pixelROC: [ROCPoint], overlays: [OverlaySample]) {
        self.name = name
        self.classNames = classNames
        self.metrics = metrics
        self.imageROC = imageROC
        self.pixelROC = pixelROC
        self.overlays = overlays
    }
}
