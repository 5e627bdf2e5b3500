import Foundation

/// The prepared support pool of a run: every support view's frozen features and mask,
/// with the text embeddings T0 and Pt, in one safetensors file (`prepare` writes it,
/// `train` reads it). Tensors:
///   image.id, image.label, image.views: [I] int32 (views per image, in order)
///   view.K.g [d], view.K.U.{l} [P, D], view.K.Z0.{l} [P, d], view.K.mask [H, W]
///     for K = 0, 1, ... over the images' views in order
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
    public static func read(from url: URL, cache: FeatureCache?) throws(CheckpointError) -> PreparedPool {
        let file = url.path
        let r: SafeTensorsReader
        do { r = try SafeTensorsReader(contentsOf: url) } catch { throw .file(error) }
        guard r.metadata["format"] == format, let version = r.metadata["version"], ["1", "2"].contains(version) else {
            throw .invalid(file: file, "not an UltraAD pool file of version 1 or 2 (format \(r.metadata["format"] ?? "missing"), version \(r.metadata["version"] ?? "missing"))")
        }
        // Version 2: where each view's features are in the cache.
        var references: (cache: FeatureCache, backbone: String, views: [(image: String, view: String)])?
        if version == "2" {
            guard let cache else { throw .invalid(file: file, "a pool of version 2 keeps its features in the feature cache, and no cache was given") }
            guard let backbone = r.metadata["backbone"] else { throw .invalid(file: file, "metadata backbone is missing") }
            var views: [(image: String, view: String)] = []
            for (k, key) in (r.metadata["views"] ?? "").split(separator: "\n").enumerated() {
                guard let slash = key.lastIndex(of: "/") else { throw .invalid(file: file, "metadata views: \"\(key)\" (view \(k)) is not IMAGE-DIGEST/VIEW") }
                views.append((String(key[..<slash]), String(key[key.index(after: slash)...])))
            }
            references = (cache, backbone, views)
        }
        let layers = (r.metadata["layers"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard !layers.isEmpty else { throw .invalid(file: file, "metadata layers is missing") }
        guard layers.allSatisfy({ $0 >= 1 }), Set(layers).count == layers.count else {
            throw .invalid(file: file, "metadata layers \(layers) are not distinct block numbers (counted from 1)")
        }
        func t(_ name: String) throws(CheckpointError) -> Tensor {
            guard r.contains(name) else { throw .invalid(file: file, "tensor \(name) is missing") }
            do { return try r.tensor(name) } catch { throw .file(error) }
        }
        func ints(_ name: String) throws(CheckpointError) -> [Int32] {
            guard r.contains(name) else { throw .invalid(file: file, "tensor \(name) is missing") }
            do { return try r.int32Tensor(name).values } catch { throw .file(error) }
        }
        let ids = try ints("image.id"), labels = try ints("image.label"), views = try ints("image.views")
        guard ids.count == labels.count, ids.count == views.count else {
            throw .invalid(file: file, "image.id, image.label and image.views differ in length")
        }
        var images = [SupportPool.Image]()
        var k = 0
        for i in ids.indices {
            guard views[i] >= 1 else { throw .invalid(file: file, "image \(ids[i]) has no views") }
            var feats = [ImageFeatures](), masks = [Tensor]()
            for _ in 0..<Int(views[i]) {
                if let references {
                    guard k < references.views.count else { throw .invalid(file: file, "metadata views has no cache key for view \(k)") }
                    let (image, view) = references.views[k]
                    let found: ImageFeatures?
                    do { found = try references.cache.lookup(backbone: references.backbone, image: image, view: view) } catch {
                        throw .invalid(file: file, "view \(k): \(error)")
                    }
                    guard let found else {
                        throw .invalid(file: file, "the features of view \(k) are not (any more) in the feature cache, at \(references.cache.url(backbone: references.backbone, image: image, view: view).path): run prepare again to compute them")
                    }
                    feats.append(found)
                } else {
                    feats.append(ImageFeatures(g: try t("view.\(k).g"),
                                               u: try layers.map { l throws(CheckpointError) in try t("view.\(k).U.\(l)") },
                                               z0: try layers.map { l throws(CheckpointError) in try t("view.\(k).Z0.\(l)") }))
                }
                masks.append(try t("view.\(k).mask"))
                k += 1
            }
            images.append(SupportPool.Image(id: ids[i], label: Int(labels[i]), views: feats, masks: masks))
        }
        let prepared = PreparedPool(pool: SupportPool(images: images), t0: try t("text.T0"), pt: try t("text.Pt"), layers: layers)
        try prepared.checkShapes(file: file)
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
