import Foundation

/// The frozen-feature cache of docs/ARCHITECTURE.md: one LZ4 file per (backbone digest, image digest,
/// view), so each image view goes through CLIP once, across runs.
///
/// Layout: CACHE/BACKBONE/IMAGE-VIEW.feat (BACKBONE: `FrozenFeatureExtractor.digest`, of the
/// weights' content, input size, layers, numerics version and feature dtype), each an LZ4
/// frame of: magic "UADF", u32 version 2, then the features (tensor g, u32 L, L x U, L x Z0,
/// each U and Z0 a matrix of float32 or float16 values) in the wire encoding
/// (docs/PROTOCOL.md). Version 1 entries (every U and Z0 a float32 tensor) are read too.
/// Written atomically (temporary file, rename), so a crash never leaves a half entry; an unreadable entry is `damaged`, which the reader
/// (`RunInputs.cachedFeatures`) names in a warning, computes again and replaces.
public struct FeatureCache: Sendable {
    public let root: URL
    static let magic: [UInt8] = Array("UADF".utf8)
    /// The most bytes an entry may decode to: 256 MiB. A ViT-L/14 view at 336 px is about
    /// 16.5 MB (576 patches, 4 layers of U [576, 1024] and Z0 [576, 768]); a frame declaring
    /// more is damaged. (The frame's own size bounds it further: `LZ4Frame.maxExpansion`.)
    public static let maxEntrySize = 256 << 20

    public init(root: URL) { self.root = root }

    /// The table of weights digests (`WeightsDigest`) kept beside the entries.
    public static func weightsMemo(root: URL) -> URL { root.appendingPathComponent("weights-digests.tsv") }

    public func url(backbone: String, image: String, view: String) -> URL {
        root.appendingPathComponent(backbone).appendingPathComponent("\(image)-\(view).feat")
    }

    /// The cached features, or nil when absent. A damaged entry is an error naming it.
    public func lookup(backbone: String, image: String, view: String) throws(FeatureCacheError) -> ImageFeatures? {
        let u = url(backbone: backbone, image: image, view: view)
        guard FileManager.default.fileExists(atPath: u.path) else { return nil }
        do {
            let frame = [UInt8](try Data(contentsOf: u))
            let raw = try LZ4Frame.decompress(frame, maxSize: Self.maxEntrySize, what: u.path)
            var r = ByteReader(raw)
            guard raw.count >= 8, Array(raw[0..<4]) == Self.magic else { throw FeatureCacheError.damaged(u.path, "not a feature file") }
            _ = try r.u32("magic")
            let version = try r.u32("version")
            let features: ImageFeatures
            switch version {
            case 1: features = try Self.version1Features(&r)
            case 2: features = try r.features("features")
            default: throw FeatureCacheError.damaged(u.path, "version \(version) is not supported")
            }
            try r.finish(u.path)
            return features
        } catch let e as FeatureCacheError {
            throw e
        } catch {
            throw .damaged(u.path, "\(error)")
        }
    }

    public func store(_ f: ImageFeatures, backbone: String, image: String, view: String) throws(FeatureCacheError) {
        let u = url(backbone: backbone, image: image, view: view)
        var w = ByteWriter()
        w.u8(Self.magic[0]); w.u8(Self.magic[1]); w.u8(Self.magic[2]); w.u8(Self.magic[3])
        w.u32(2)
        w.features(f)
        do {
            let frame = try LZ4Frame.compress(w.bytes, what: u.path)
            try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Not fsynced: an entry lost to a power cut is recomputed.
            if let failure = AtomicFile.write(frame, to: u, durable: false) { throw FeatureCacheError.unwritable(u.path, failure) }
        } catch let e as FeatureCacheError {
            throw e
        } catch {
            throw .unwritable(u.path, "\(error)")
        }
    }
}

extension FeatureCache {
    /// A version 1 entry's features: `tensor g`, `u32 L`, L x `tensor U`, L x `tensor Z0`.
    static func version1Features(_ r: inout ByteReader) throws(WireError) -> ImageFeatures {
        let g = try r.tensor("features g")
        let layers = Int(try r.u32("features layers"))
        guard layers <= 64 else { throw .malformed("features: \(layers) layers") }
        let u = try (0..<layers).map { _ throws(WireError) in try r.tensor("features U") }
        let z0 = try (0..<layers).map { _ throws(WireError) in try r.tensor("features Z0") }
        return ImageFeatures(g: g, u: u, z0: z0)
    }
}

public enum FeatureCacheError: Error, CustomStringConvertible {
    case damaged(String, String)
    case unwritable(String, String)

    public var description: String {
        switch self {
        case let .damaged(f, m): return "\(f): damaged feature cache entry (\(m))"
        case let .unwritable(f, m): return "\(f): cannot write the feature cache: \(m)"
        }
    }
}
