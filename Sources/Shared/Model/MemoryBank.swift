/// The frozen memory bank of docs/METHOD.md: text embeddings and support keys with labels.
/// Built once per run and shipped to every worker; never trained.
public struct MemoryBank: Equatable, Sendable {
    /// T0: [2, d] the initial normal / abnormal prompt embeddings.
    public var t0: Tensor
    /// Pt: [C, d] one description embedding per class.
    public var pt: Tensor
    /// Ft: [N, d] the global feature g of every support view.
    public var ft: Tensor
    /// Lt: [N, C] one-hot labels of the support views.
    public var lt: Tensor
    /// Source image id of each support view (for leave-one-out masking): [N].
    public var source: [Int32]

    public init(t0: Tensor, pt: Tensor, ft: Tensor, lt: Tensor, source: [Int32]) {
        self.t0 = t0; self.pt = pt; self.ft = ft; self.lt = lt; self.source = source
    }

    public var count: Int { ft.shape.first ?? 0 }

    /// Checks the shapes against a head configuration; the message names the tensor.
    public func validate(for c: HeadConfig) throws(ModelError) {
        let d = c.jointDim, n = count
        try ModelError.expect("frozen.T0", t0.shape, [2, d])
        try ModelError.expect("frozen.Pt", pt.shape, [c.classes, d])
        try ModelError.expect("frozen.Ft", ft.shape, [n, d])
        try ModelError.expect("frozen.Lt", lt.shape, [n, c.classes])
        try ModelError.expect("frozen.source", [source.count], [n])
    }
}

/// What the frozen image encoder gives for one image view (docs/METHOD.md, "Frozen inputs").
public struct ImageFeatures: Sendable {
    /// g: [d] global image feature.
    public var g: Tensor
    /// U.{l}: [P, D] per adapted layer (same order as HeadConfig.layers), not centred.
    public var u: [FeatureMatrix]
    /// Z0.{l}: [P, d] per adapted layer, not centred.
    public var z0: [FeatureMatrix]

    public init(g: Tensor, u: [FeatureMatrix], z0: [FeatureMatrix]) {
        self.g = g; self.u = u; self.z0 = z0
    }

    /// Features as the encoder computes them (float32).
    public init(g: Tensor, u: [Tensor], z0: [Tensor]) {
        self.init(g: g, u: u.map(FeatureMatrix.init), z0: z0.map(FeatureMatrix.init))
    }

    /// U and Z0 stored as `dtype` (`FeatureDType`); g stays float32 (d values).
    public func stored(as dtype: FeatureDType) -> ImageFeatures {
        ImageFeatures(g: g, u: u.map { $0.stored(as: dtype) }, z0: z0.map { $0.stored(as: dtype) })
    }

    /// Bytes of the values held (g, U and Z0).
    public var byteCount: Int { 4 * g.count + (u + z0).map(\.byteCount).reduce(0, +) }

    /// Checks the shapes; `name` says which image in errors.
    public func validate(for c: HeadConfig, name: String) throws(ModelError) {
        try ModelError.expect("\(name).g", g.shape, [c.jointDim])
        guard u.count == c.layers.count, z0.count == c.layers.count else {
            throw .shape(name: "\(name) layers", got: [u.count, z0.count],
                         expected: [c.layers.count, c.layers.count])
        }
        let p = u[0].shape.first ?? 0
        let side = Int(Double(p).squareRoot().rounded())
        guard p > 0, side * side == p else {
            throw .invalid("\(name).U: \(p) patches is not a square grid")
        }
        for (li, l) in c.layers.enumerated() {
            try ModelError.expect("\(name).U.\(l)", u[li].shape, [p, c.visionWidth])
            try ModelError.expect("\(name).Z0.\(l)", z0[li].shape, [p, c.jointDim])
        }
    }
}

/// The inputs of one chunk of query views.
public struct ChunkInput: Sendable {
    public struct Query: Sendable {
        public var features: ImageFeatures
        /// G: [H, W] lesion mask in {0, 1} (all zeros for a normal image).
        public var mask: Tensor
        /// Class index: 0 normal, 1 benign, 2 malignant.
        public var label: Int
        /// Source image id (bank entries from the same image are masked out).
        public var source: Int32

        public init(features: ImageFeatures, mask: Tensor, label: Int, source: Int32) {
            self.features = features; self.mask = mask; self.label = label; self.source = source
        }
    }

    public var queries: [Query]
    public init(queries: [Query]) { self.queries = queries }

    /// Checks every query against the configuration; errors name the query and tensor.
    public func validate(for c: HeadConfig) throws(ModelError) {
        for (qi, q) in queries.enumerated() {
            try q.features.validate(for: c, name: "query[\(qi)]")
            guard q.mask.rank == 2, q.mask.shape[0] > 0, q.mask.shape[1] > 0 else {
                throw .invalid("query[\(qi)].mask has shape \(q.mask.shape), expected [H, W]")
            }
            guard (0..<c.classes).contains(q.label) else {
                throw .invalid("query[\(qi)].label = \(q.label) is not a class index in 0..<\(c.classes)")
            }
        }
    }
}

/// Errors of the model's inputs: each names the tensor at fault.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case shape(name: String, got: [Int], expected: [Int])
    case missing(name: String, expected: [Int])
    case invalid(String)

    public var description: String {
        switch self {
        case let .shape(name, got, expected):
            return "\(name) has shape \(got), expected \(expected)"
        case let .missing(name, expected):
            return "\(name) is missing (expected shape \(expected))"
        case let .invalid(message):
            return message
        }
    }

    static func expect(_ name: String, _ got: [Int], _ expected: [Int]) throws(ModelError) {
        guard got == expected else { throw .shape(name: name, got: got, expected: expected) }
    }
}
