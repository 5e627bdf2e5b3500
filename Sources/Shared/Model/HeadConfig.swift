/// The sizes and constants of the UltraAD head (docs/METHOD.md). Every constant is a default
/// that cluster.yaml can override.
public struct HeadConfig: Equatable, Sendable, Codable {
    /// Joint (projection) dimension of CLIP: g, Z0 and the text embeddings live here.
    public var jointDim: Int
    /// Width D of the vision transformer: the patch tokens U live here.
    public var visionWidth: Int
    /// Block numbers (counted from 1) whose patch tokens are adapted, e.g. [6, 12, 18, 24].
    public var layers: [Int]
    /// Rank r of each patch adapter.
    public var adapterRank: Int = 128
    /// Number of classes C (normal, benign, malignant).
    public var classes: Int = 3
    /// Softmax temperature tau of the anomaly maps and detection.
    public var temperature: Float = 0.07
    /// Leaky-ReLU slope of the patch adapters.
    public var leakySlope: Float = 0.01
    /// Scale of the text-similarity term of the classification logits.
    public var logitScale: Float = 100

    public init(jointDim: Int, visionWidth: Int, layers: [Int], adapterRank: Int = 128, classes: Int = 3) {
        self.jointDim = jointDim
        self.visionWidth = visionWidth
        self.layers = layers
        self.adapterRank = adapterRank
        self.classes = classes
    }

    /// Hidden width of the meta-net (d/16, at least 1).
    public var metaHidden: Int { max(1, jointDim / 16) }
    /// Hidden width of the classification mini-net (d/4, at least 1).
    public var miniHidden: Int { max(1, jointDim / 4) }

    /// ViT-L/14 at 336 px: D = 1024, d = 768, layers 6/12/18/24.
    public static let vitL14 = HeadConfig(jointDim: 768, visionWidth: 1024, layers: [6, 12, 18, 24])
}
