import Foundation

/// A prepared pool file (`PreparedPool`'s format, versions 1 and 2) read one view at a
/// time: the file is memory-mapped and its header, image table and checksum checked on
/// opening, and a view's features are read only when asked for. `PreparedPool.read` reads
/// every view through it; a training worker that can open the run's pool reads just the
/// views its blocks need (docs/PROTOCOL.md, TASK).
public struct PoolViews: @unchecked Sendable {
    public let file: URL
    public let layers: [Int]
    private let reader: SafeTensorsReader
    private let ids: [Int32]
    private let labels: [Int32]
    /// The flat index of each image's first view (`view.K.*`).
    private let firstView: [Int]
    private let viewCounts: [Int]
    /// Version 2: where each view's features are in the feature cache.
    private let references: (cache: FeatureCache, backbone: String, views: [(image: String, view: String)])?

    public var imageCount: Int { ids.count }
    public func viewCount(image: Int) -> Int { viewCounts[image] }

    /// Opens a pool; a version 2 one needs the feature cache that holds its views.
    public init(url: URL, cache: FeatureCache?) throws(CheckpointError) {
        let file = url.path
        self.file = url
        do { reader = try SafeTensorsReader(contentsOf: url) } catch { throw .file(error) }
        let r = reader
        guard r.metadata["format"] == PreparedPool.format, let version = r.metadata["version"], ["1", "2"].contains(version) else {
            throw .invalid(file: file, "not an UltraAD pool file of version 1 or 2 (format \(r.metadata["format"] ?? "missing"), version \(r.metadata["version"] ?? "missing"))")
        }
        if version == "2" {
            guard let cache else { throw .invalid(file: file, "a pool of version 2 keeps its features in the feature cache, and no cache was given") }
            guard let backbone = r.metadata["backbone"] else { throw .invalid(file: file, "metadata backbone is missing") }
            var views: [(image: String, view: String)] = []
            for (k, key) in (r.metadata["views"] ?? "").split(separator: "\n").enumerated() {
                guard let slash = key.lastIndex(of: "/") else { throw .invalid(file: file, "metadata views: \"\(key)\" (view \(k)) is not IMAGE-DIGEST/VIEW") }
                views.append((String(key[..<slash]), String(key[key.index(after: slash)...])))
            }
            references = (cache, backbone, views)
        } else {
            references = nil
        }
        layers = (r.metadata["layers"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard !layers.isEmpty else { throw .invalid(file: file, "metadata layers is missing") }
        guard layers.allSatisfy({ $0 >= 1 }), Set(layers).count == layers.count else {
            throw .invalid(file: file, "metadata layers \(layers) are not distinct block numbers (counted from 1)")
        }
        func ints(_ name: String) throws(CheckpointError) -> [Int32] {
            guard r.contains(name) else { throw .invalid(file: file, "tensor \(name) is missing") }
            do { return try r.int32Tensor(name).values } catch { throw .file(error) }
        }
        ids = try ints("image.id"); labels = try ints("image.label")
        let views = try ints("image.views")
        guard ids.count == labels.count, ids.count == views.count else {
            throw .invalid(file: file, "image.id, image.label and image.views differ in length")
        }
        // Every view has its own tensors in the file (its mask at least), so a count is
        // trusted only up to the file's tensors: more would be an allocation the bytes
        // present cannot justify (FuzzPool found image.views of 1.6e9).
        let tensors = r.names.count
        var first = [Int](), k = 0
        for i in ids.indices {
            guard views[i] >= 1 else { throw .invalid(file: file, "image \(ids[i]) has no views") }
            first.append(k)
            k += Int(views[i])
            guard k <= tensors else {
                throw .invalid(file: file, "image.views claims \(k) views or more, and the file holds \(tensors) tensors (each view needs its own)")
            }
        }
        if let references, references.views.count < k {
            throw .invalid(file: file, "metadata views has no cache key for view \(references.views.count)")
        }
        firstView = first
        viewCounts = views.map(Int.init)
    }

    /// A tensor of the file (the text embeddings, a view's own tensors).
    func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        guard reader.contains(name) else { throw .invalid(file: file.path, "tensor \(name) is missing") }
        do { return try reader.tensor(name) } catch { throw .file(error) }
    }

    /// A view's U or Z0 in the precision stored: F16 stays float16, anything else is float32.
    func matrix(_ name: String) throws(CheckpointError) -> FeatureMatrix {
        guard reader.contains(name) else { throw .invalid(file: file.path, "tensor \(name) is missing") }
        do {
            if try reader.entry(name).dtype == .f16 {
                let (shape, bits) = try reader.float16Bits(name)
                return FeatureMatrix(shape: shape, float16: bits)
            }
            return FeatureMatrix(try reader.tensor(name))
        } catch { throw .file(error) }
    }

    /// View `view` of image `image` (its index in the pool) as a training query.
    public func query(image: Int, view: Int) throws(CheckpointError) -> ChunkInput.Query {
        guard image >= 0, image < ids.count, view >= 0, view < viewCounts[image] else {
            throw .invalid(file: file.path, "no view \(view) of image \(image) (the pool has \(ids.count) images)")
        }
        let k = firstView[image] + view
        let features: ImageFeatures
        if let references {
            let (digest, name) = references.views[k]
            let found: ImageFeatures?
            do { found = try references.cache.lookup(backbone: references.backbone, image: digest, view: name) } catch {
                throw .invalid(file: file.path, "view \(k): \(error)")
            }
            guard let found else {
                throw .invalid(file: file.path, "the features of view \(k) are not (any more) in the feature cache, at \(references.cache.url(backbone: references.backbone, image: digest, view: name).path): run prepare again to compute them")
            }
            features = found
        } else {
            features = ImageFeatures(g: try tensor("view.\(k).g"),
                                     u: try layers.map { l throws(CheckpointError) in try matrix("view.\(k).U.\(l)") },
                                     z0: try layers.map { l throws(CheckpointError) in try matrix("view.\(k).Z0.\(l)") })
        }
        return ChunkInput.Query(features: features, mask: try tensor("view.\(k).mask"), label: Int(labels[image]), source: ids[image])
    }
}
