import Math

/// Payloads of feature extraction (docs/PROTOCOL.md, EXTRACT and FEATURES): the
/// coordinator sends image files and views, workers answer with their frozen CLIP features.

/// One image view to encode: the item's number in the coordinator's list, the view, and
/// the image file's bytes (PNG), so a worker needs no access to the data folder.
public struct ExtractItem: Equatable, Sendable {
    public var index: UInt32
    public var view: ViewKind
    public var imageFile: [UInt8]

    public init(index: UInt32, view: ViewKind, imageFile: [UInt8]) {
        self.index = index; self.view = view; self.imageFile = imageFile
    }
}

/// EXTRACT (coordinator -> worker): encode these image views with this backbone. The
/// header's step field numbers the batch; FEATURES carries it back.
public struct ExtractPayload: Equatable, Sendable {
    /// `backbone.weights` as in cluster.yaml: `builtin:tiny` or a safetensors path, which
    /// must be readable on the worker's machine.
    public var weights: String
    /// Input size S in pixels (already resolved: never "the checkpoint's").
    public var imageSize: Int
    /// Blocks (from 1) whose patch tokens are wanted.
    public var layers: [Int]
    /// How an image becomes the S x S input (`backbone.preprocess`).
    public var preprocess: ImagePreprocess
    /// How U and Z0 are stored (`fewshot.feature_dtype`): FEATURES carries them so.
    public var featureDType: FeatureDType
    /// The coordinator's extractor digest (its feature cache key), echoed in FEATURES.
    public var extractorDigest: String
    public var items: [ExtractItem]

    /// Most items one EXTRACT may carry.
    public static let maxItems = 4096

    public init(weights: String, imageSize: Int, layers: [Int], preprocess: ImagePreprocess, featureDType: FeatureDType,
                extractorDigest: String, items: [ExtractItem]) {
        self.weights = weights; self.imageSize = imageSize; self.layers = layers; self.preprocess = preprocess
        self.featureDType = featureDType; self.extractorDigest = extractorDigest; self.items = items
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256 + items.reduce(0) { $0 + 16 + $1.imageFile.count })
        w.string(weights)
        w.u32(UInt32(imageSize))
        w.int32s(layers.map { Int32($0) })
        w.string(preprocess.rawValue)
        w.string(featureDType.rawValue)
        w.string(extractorDigest)
        w.u32(UInt32(items.count))
        for item in items {
            w.u32(item.index)
            w.u32(item.view.wireIndex)
            w.raw(item.imageFile)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        weights = try r.string("EXTRACT weights")
        imageSize = Int(try r.u32("EXTRACT image size"))
        layers = try r.int32s("EXTRACT layers").map(Int.init)
        guard !weights.isEmpty, (1...65536).contains(imageSize), (1...64).contains(layers.count),
              layers.allSatisfy({ $0 >= 1 }) else {
            throw .malformed("EXTRACT: weights '\(weights)', image size \(imageSize), layers \(layers)")
        }
        let mode = try r.string("EXTRACT preprocess")
        guard let preprocess = ImagePreprocess(rawValue: mode) else { throw .malformed("EXTRACT: preprocess '\(mode)'") }
        self.preprocess = preprocess
        let dtype = try r.string("EXTRACT feature dtype")
        guard let featureDType = FeatureDType(rawValue: dtype) else { throw .malformed("EXTRACT: feature dtype '\(dtype)'") }
        self.featureDType = featureDType
        extractorDigest = try r.string("EXTRACT extractor digest")
        let n = Int(try r.u32("EXTRACT items"))
        guard (1...Self.maxItems).contains(n) else { throw .malformed("EXTRACT: \(n) items") }
        items = []
        for _ in 0..<n {
            let index = try r.u32("EXTRACT item")
            let raw = try r.u32("EXTRACT view")
            guard let view = ViewKind(wireIndex: raw) else { throw .malformed("EXTRACT item \(index): view \(raw)") }
            items.append(ExtractItem(index: index, view: view, imageFile: try r.raw("EXTRACT image file")))
        }
        try r.finish("EXTRACT")
    }
}

/// FEATURES (worker -> coordinator): the features of every item of one EXTRACT, in its order.
public struct FeaturesPayload: Sendable {
    /// The EXTRACT's extractor digest, echoed.
    public var extractorDigest: String
    /// Seconds the worker spent on the batch (decoding and CLIP).
    public var computeSeconds: Double
    public var items: [(index: UInt32, features: ImageFeatures)]

    public init(extractorDigest: String, computeSeconds: Double, items: [(index: UInt32, features: ImageFeatures)]) {
        self.extractorDigest = extractorDigest; self.computeSeconds = computeSeconds; self.items = items
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.string(extractorDigest)
        w.f64(computeSeconds)
        w.u32(UInt32(items.count))
        for item in items {
            w.u32(item.index)
            w.features(item.features)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        extractorDigest = try r.string("FEATURES extractor digest")
        computeSeconds = try r.f64("FEATURES seconds")
        let n = Int(try r.u32("FEATURES items"))
        guard n <= ExtractPayload.maxItems else { throw .malformed("FEATURES: \(n) items") }
        items = []
        for _ in 0..<n {
            let index = try r.u32("FEATURES item")
            items.append((index, try r.features("FEATURES item \(index)")))
        }
        try r.finish("FEATURES")
    }
}

extension ViewKind {
    /// The view's number on the wire: its position in `ViewKind.allCases` (identity 0,
    /// hflip 1, rot+10 2, rot-10 3, gain0.8 4, gain1.25 5).
    public var wireIndex: UInt32 { UInt32(Self.allCases.firstIndex(of: self)!) }

    public init?(wireIndex: UInt32) {
        guard wireIndex < Self.allCases.count else { return nil }
        self = Self.allCases[Int(wireIndex)]
    }
}

extension ByteWriter {
    /// Frozen features: `tensor g`, `u32 L`, L x `matrix U`, L x `matrix Z0` (the layout of
    /// a query's features, FEATURES items and feature cache files).
    public mutating func features(_ f: ImageFeatures) {
        tensor(f.g)
        u32(UInt32(f.u.count))
        for m in f.u { matrix(m) }
        for m in f.z0 { matrix(m) }
    }

    /// A feature matrix: `u8 dtype` (0 float32, 1 float16), `u32 rank`, rank x `u64`
    /// dimensions, `u64 count`, then the values (4 or 2 little-endian bytes each).
    public mutating func matrix(_ m: FeatureMatrix) {
        u8(m.dtype == .float32 ? 0 : 1)
        u32(UInt32(m.shape.count))
        for d in m.shape { u64(UInt64(d)) }
        switch m.values {
        case .float32(let v): floats(v)
        case .float16(let v): halves(v)
        }
    }
}

extension ByteReader {
    /// Reads what `ByteWriter.features` wrote (at most 64 layers).
    public mutating func features(_ what: String) throws(WireError) -> ImageFeatures {
        let g = try tensor("\(what) g")
        let layers = Int(try u32("\(what) layers"))
        guard layers <= 64 else { throw .malformed("\(what): \(layers) layers") }
        var u = [FeatureMatrix](), z = [FeatureMatrix]()
        for _ in 0..<layers { u.append(try matrix("\(what) U")) }
        for _ in 0..<layers { z.append(try matrix("\(what) Z0")) }
        return ImageFeatures(g: g, u: u, z0: z)
    }

    /// Reads what `ByteWriter.matrix` wrote.
    public mutating func matrix(_ what: String) throws(WireError) -> FeatureMatrix {
        let dtype = try u8("\(what) dtype")
        let shape = try shape(what)
        switch dtype {
        case 0:
            let values = try floats(what)
            try Self.check(values.count, fill: shape, what)
            return FeatureMatrix(Tensor(shape: shape, data: values))
        case 1:
            let values = try halves(what)
            try Self.check(values.count, fill: shape, what)
            return FeatureMatrix(shape: shape, float16: values)
        default:
            throw .malformed("\(what): dtype \(dtype) (0 float32 and 1 float16 are known)")
        }
    }
}
