/// One test image's prediction, as the evaluator hands it to a `SiteAccumulator`.
public struct ImageEvaluation: Sendable {
    /// Names the image in the report and in errors, e.g. "A/benign/benign (3).png".
    public var id: String
    /// Class index: 0 normal, 1 benign, 2 malignant (`LesionClass`).
    public var label: Int
    /// The image for overlays: [3, h, w], [1, h, w] or [h, w] in [0, 1]; may be a downsized
    /// copy of the test image. nil: this image is not considered for the overlay gallery.
    public var image: Tensor?
    /// The true lesion mask: [H, W], values > 0.5 are lesion (empty for a normal image).
    public var mask: Tensor
    /// The anomaly map: [H, W] (the mask's size), values in [0, 1].
    public var map: Tensor
    /// The image anomaly score.
    public var score: Float
    /// Class probabilities: [C].
    public var probabilities: [Float]

    public init(id: String, label: Int, image: Tensor?, mask: Tensor, map: Tensor,
                score: Float, probabilities: [Float]) {
        self.id = id
        self.label = label
        self.image = image
        self.mask = mask
        self.map = map
        self.score = score
        self.probabilities = probabilities
    }
}
