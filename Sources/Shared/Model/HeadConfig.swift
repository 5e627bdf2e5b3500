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
    /// The components switched off (docs/METHOD.md, "Ablations"), in table order; empty
    /// for the full method. Their parameters do not exist in the layout.
    public var ablate: [HeadComponent] = [] {
        didSet { ablate = HeadComponent.normalized(ablate) }
    }

    public init(jointDim: Int, visionWidth: Int, layers: [Int], adapterRank: Int = 128, classes: Int = 3) {
        self.jointDim = jointDim
        self.visionWidth = visionWidth
        self.layers = layers
        self.adapterRank = adapterRank
        self.classes = classes
    }

    /// Whether the component is part of this head (not switched off).
    public func keeps(_ c: HeadComponent) -> Bool { !ablate.contains(c) }

    /// No trainable parameter is left: the zero-shot CLIP baseline, evaluated, never trained.
    public var isZeroShot: Bool { HeadComponent.isZeroShot(ablate) }

    /// Hidden width of the meta-net (d/16, at least 1).
    public var metaHidden: Int { max(1, jointDim / 16) }
    /// Hidden width of the classification mini-net (d/4, at least 1).
    public var miniHidden: Int { max(1, jointDim / 4) }

    enum CodingKeys: String, CodingKey {
        case jointDim, visionWidth, layers, adapterRank, classes, temperature, leakySlope, logitScale, ablate
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(jointDim: try c.decode(Int.self, forKey: .jointDim), visionWidth: try c.decode(Int.self, forKey: .visionWidth),
                  layers: try c.decode([Int].self, forKey: .layers), adapterRank: try c.decode(Int.self, forKey: .adapterRank),
                  classes: try c.decode(Int.self, forKey: .classes))
        temperature = try c.decode(Float.self, forKey: .temperature)
        leakySlope = try c.decode(Float.self, forKey: .leakySlope)
        logitScale = try c.decode(Float.self, forKey: .logitScale)
        ablate = HeadComponent.normalized(try c.decodeIfPresent([HeadComponent].self, forKey: .ablate) ?? [])
    }

    /// `ablate` is written only when something is switched off, so that the full method's
    /// JSON (a model file's metadata, the digest) is what it was before ablations existed.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jointDim, forKey: .jointDim); try c.encode(visionWidth, forKey: .visionWidth)
        try c.encode(layers, forKey: .layers); try c.encode(adapterRank, forKey: .adapterRank)
        try c.encode(classes, forKey: .classes); try c.encode(temperature, forKey: .temperature)
        try c.encode(leakySlope, forKey: .leakySlope); try c.encode(logitScale, forKey: .logitScale)
        if !ablate.isEmpty { try c.encode(ablate, forKey: .ablate) }
    }

    /// ViT-L/14 at 336 px: D = 1024, d = 768, layers 6/12/18/24.
    public static let vitL14 = HeadConfig(jointDim: 768, visionWidth: 1024, layers: [6, 12, 18, 24])
}
