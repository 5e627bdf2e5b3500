import Foundation

/// The prepared support pool of a run: every support view's frozen features and mask,
/// with the text embeddings T0 and Pt, in one safetensors file (`prepare` writes it,
/// `train` reads it). Tensors:
///   image.id, image.label, image.views: [I] int32 (views per image, in order)
///   view.K.g [d], view.K.U.{l} [P, D], view.K.Z0.{l} [P, d], view.K.mask [H, W]
///     for K = 0, 1, ... over the images' views in order; U and Z0 are F32, or F16 when
///     the run stores its features so (`fewshot.feature_dtype`), the rest F32
///   text.T0 [2, d], text.Pt [C, d]
/// Metadata: format "ultraad-pool", version "1", layers "6,12,18,24".
///
/// Version 2 (a sweep's cells) holds no features: the views' g, U and Z0 stay in the
/// feature cache, which metadata `backbone` (the extractor digest) and `views` (one
/// "IMAGE-DIGEST/VIEW" per view, newline-separated, in view order) name; reading needs
/// the cache. At ViT-L sizes a view is ~16.5 MB, so a hundred cells that each copied a
/// 288-view pool would hold ~475 GB. Both versions are read.
public struct PreparedPool: Sendable {
    public static let format = "ultraad-pool"
    /// Where a version 2 pool's features are: the extractor digest and each view's cache key.
    public struct CacheReferences: Sendable {
        public var backbone: String
        /// (image file digest, view name) per view, in the pool's view order.
        public var views: [(image: String, view: String)]
        public init(backbone: String, views: [(image: String, view: String)]) { self.backbone = backbone; self.views = views }
    }
    public var pool: SupportPool
    public var t0: Tensor
    public var pt: Tensor
    public var layers: [Int]

    public init(pool: SupportPool, t0: Tensor, pt: Tensor, layers: [Int]) {
        self.pool = pool; self.t0 = t0; self.pt = pt; self.layers = layers
    }

    public var classes: Int { pt.shape.first ?? 0 }
    public var bank: MemoryBank { pool.bank(t0: t0, pt: pt, classes: classes) }

    /// The head's sizes implied by the features.
    public func headConfig(model: ClusterConfig.ModelSettings) -> HeadConfig? {
        guard let v = pool.images.first?.views.first, let u = v.u.first else { return nil }
        return model.headConfig(jointDim: v.g.count, visionWidth: u.rowLength, layers: layers, classes: classes)
    }

    /// Writes the pool; with `references`, version 2 (features left in the cache).
    public func write(to url: URL, references: CacheReferences? = nil) throws(SafeTensorsError) {
        var metadata = ["format": Self.format, "version": references == nil ? "1" : "2",
                        "layers": layers.map(String.init).joined(separator: ",")]
        if let references {
            precondition(references.views.count == pool.images.map(\.views.count).reduce(0, +), "one cache key per view")
            metadata["backbone"] = references.backbone
            metadata["views"] = references.views.map { "\($0.image)/\($0.view)" }.joined(separator: "\n")
        }
        var w = SafeTensorsWriter(metadata: metadata)
        w.checksummed = true
        let n = pool.images.count
        try w.add("image.id", shape: [n], int32: pool.images.map(\.id))
        try w.add("image.label", shape: [n], int32: pool.images.map { Int32($0.label) })
        try w.add("image.views", shape: [n], int32: pool.images.map { Int32($0.views.count) })
        var k = 0
        for image in pool.images {
            for (v, mask) in zip(image.views, image.masks) {
                if references == nil {
                    try w.add("view.\(k).g", v.g)
                    for (li, l) in layers.enumerated() {
                        try w.add("view.\(k).U.\(l)", v.u[li])
                        try w.add("view.\(k).Z0.\(l)", v.z0[li])
                    }
                }
                try w.add("view.\(k).mask", mask)
                k += 1
            }
        }
        try w.add("text.T0", t0)
        try w.add("text.Pt", pt)
        try w.write(to: url)
    }

    /// Reads a pool; a version 2 one takes its features from `cache`, which must hold them.
    /// Its U and Z0 must be in `featureDType`, the run's `fewshot.feature_dtype`.
    public static func read(from url: URL, cache: FeatureCache?, featureDType: FeatureDType) throws(CheckpointError) -> PreparedPool {
        let views = try PoolViews(url: url, cache: cache)
        var images = [SupportPool.Image]()
        for i in 0..<views.imageCount {
            let queries = try (0..<views.viewCount(image: i)).map { v throws(CheckpointError) in try views.query(image: i, view: v) }
            images.append(SupportPool.Image(id: queries[0].source, label: queries[0].label, views: queries.map(\.features),
                                            masks: queries.map(\.mask)))
        }
        let prepared = PreparedPool(pool: SupportPool(images: images), t0: try views.tensor("text.T0"),
                                    pt: try views.tensor("text.Pt"), layers: views.layers)
        try prepared.checkShapes(file: url.path)
        let stored = Set(prepared.pool.images.flatMap { $0.views.flatMap { ($0.u + $0.z0).map(\.dtype) } })
        guard stored.isSubset(of: [featureDType]) else {
            throw .invalid(file: url.path, "the pool's features are \(stored.map(\.rawValue).sorted().joined(separator: " and ")), and fewshot.feature_dtype is \(featureDType.rawValue): run prepare again with this configuration")
        }
        return prepared
    }

    /// Every tensor of the shape the others imply, which `bank`, `headConfig` and training
    /// rely on: text.T0 [2, d], text.Pt [C, d], and per view g [d], U.{l} [P, D] and
    /// Z0.{l} [P, d] for each layer (P a square, D the first view's), mask [H, W]. A version
    /// 2 pool's features come from the cache, whose entries hold any sizes.
    func checkShapes(file: String) throws(CheckpointError) {
        guard t0.rank == 2, t0.shape[0] == 2, t0.shape[1] >= 1 else {
            throw .invalid(file: file, "tensor text.T0 has shape \(t0.shape), expected [2, d]")
        }
        let d = t0.shape[1]
        guard pt.rank == 2, pt.shape[0] >= 1, pt.shape[1] == d else {
            throw .invalid(file: file, "tensor text.Pt has shape \(pt.shape), expected [C, \(d)]")
        }
        var width: Int?
        var k = 0
        for image in pool.images {
            for (view, mask) in zip(image.views, image.masks) {
                let w = width ?? view.u.first?.shape.last ?? 0
                let head = HeadConfig(jointDim: d, visionWidth: w, layers: layers, adapterRank: 1, classes: pt.shape[0])
                do { try view.validate(for: head, name: "view.\(k)") } catch { throw .invalid(file: file, "\(error)") }
                guard mask.rank == 2, mask.shape[0] > 0, mask.shape[1] > 0 else {
                    throw .invalid(file: file, "tensor view.\(k).mask has shape \(mask.shape), expected [H, W]")
                }
                width = w
                k += 1
            }
        }
    }
}


extension SafeTensorsWriter {
    /// Adds a feature matrix in its own precision: F32, or F16 for float16 features.
    public mutating func add(_ name: String, _ m: FeatureMatrix) throws(SafeTensorsError) {
        switch m.values {
        case .float32(let v): try add(name, shape: m.shape, float32: v[...])
        case .float16(let v): try add(name, shape: m.shape, float16Bits: v)
        }
    }
}
