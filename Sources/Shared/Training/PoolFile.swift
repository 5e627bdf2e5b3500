import Foundation

/// The prepared support pool of a run: every support view's frozen features and mask,
/// with the text embeddings T0 and Pt, in one safetensors file (`prepare` writes it,
/// `train` reads it). Tensors:
///   image.id, image.label, image.views: [I] int32 (views per image, in order)
///   view.K.g [d], view.K.U.{l} [P, D], view.K.Z0.{l} [P, d], view.K.mask [H, W]
///     for K = 0, 1, ... over the images' views in order
///   text.T0 [2, d], text.Pt [C, d]
/// Metadata: format "ultraad-pool", version "1", layers "6,12,18,24".
public struct PreparedPool: Sendable {
    public static let format = "ultraad-pool"
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

    public func write(to url: URL) throws(SafeTensorsError) {
        var w = SafeTensorsWriter(metadata: ["format": Self.format, "version": "1",
                                             "layers": layers.map(String.init).joined(separator: ",")])
        w.checksummed = true
        let n = pool.images.count
        try w.add("image.id", shape: [n], int32: pool.images.map(\.id))
        try w.add("image.label", shape: [n], int32: pool.images.map { Int32($0.label) })
        try w.add("image.views", shape: [n], int32: pool.images.map { Int32($0.views.count) })
        var k = 0
        for image in pool.images {
            for (v, mask) in zip(image.views, image.masks) {
                try w.add("view.\(k).g", v.g)
                for (li, l) in layers.enumerated() {
                    try w.add("view.\(k).U.\(l)", v.u[li])
                    try w.add("view.\(k).Z0.\(l)", v.z0[li])
                }
                try w.add("view.\(k).mask", mask)
                k += 1
            }
        }
        try w.add("text.T0", t0)
        try w.add("text.Pt", pt)
        try w.write(to: url)
    }

    public static func read(from url: URL) throws(CheckpointError) -> PreparedPool {
        let file = url.path
        let r: SafeTensorsReader
        do { r = try SafeTensorsReader(contentsOf: url) } catch { throw .file(error) }
        guard r.metadata["format"] == format, r.metadata["version"] == "1" else {
            throw .invalid(file: file, "not an UltraAD pool file (format \(r.metadata["format"] ?? "missing"), version \(r.metadata["version"] ?? "missing"))")
        }
        let layers = (r.metadata["layers"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard !layers.isEmpty else { throw .invalid(file: file, "metadata layers is missing") }
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
                feats.append(ImageFeatures(g: try t("view.\(k).g"),
                                           u: try layers.map { l throws(CheckpointError) in try t("view.\(k).U.\(l)") },
                                           z0: try layers.map { l throws(CheckpointError) in try t("view.\(k).Z0.\(l)") }))
                masks.append(try t("view.\(k).mask"))
                k += 1
            }
            images.append(SupportPool.Image(id: ids[i], label: Int(labels[i]), views: feats, masks: masks))
        }
        return PreparedPool(pool: SupportPool(images: images), t0: try t("text.T0"), pt: try t("text.Pt"), layers: layers)
    }
}
