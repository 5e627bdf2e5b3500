import Foundation
import Shared

/// Pictures for dataset replicas: simulated B-mode scans (so the duplicate finder sees
/// distinct images), cut to any size, and the files the layouts store them in.
public struct ReplicaPainter: Sendable {
    let simulator: BModeSimulator
    let seed: UInt64

    public init(site: Int, seed: UInt64) {
        simulator = BModeSimulator(device: DeviceSettings.draw(count: site + 1, seed: seed)[site])
        self.seed = seed
    }

    /// A scan of class `kind`: gray values and its lesion mask (1 on the lesion), both
    /// [height, width], cut from a square rendering.
    public func scan(_ kind: LesionClass, index: Int, width: Int, height: Int) -> (gray: [Float], mask: [Float]) {
        let side = max(width, height)
        let r = simulator.render(kind: kind, size: side, seed: seed &* 1_000_003 &+ UInt64(kind.rawValue) &* 7919 &+ UInt64(index))
        var gray = [Float](repeating: 0, count: width * height), mask = gray
        for y in 0..<height {
            for x in 0..<width {
                gray[y * width + x] = r.image[y * side + x]
                mask[y * width + x] = kind.isAbnormal ? r.mask[y * side + x] : 0
            }
        }
        // A lesion cut away by the crop still needs a mask pixel: mark the centre.
        if kind.isAbnormal && !mask.contains(1) { mask[(height / 2) * width + width / 2] = 1 }
        return (gray, mask)
    }

    /// `values` [h, w] resized to [H, W] (bilinear, pixel centres): a near-duplicate's size.
    public static func resized(_ values: [Float], from: (w: Int, h: Int), to: (w: Int, h: Int)) -> [Float] {
        var out = [Float](repeating: 0, count: to.w * to.h)
        for y in 0..<to.h {
            let fy = max(0, min(Float(from.h - 1), (Float(y) + 0.5) * Float(from.h) / Float(to.h) - 0.5))
            let y0 = Int(fy), y1 = min(from.h - 1, y0 + 1), wy = fy - Float(y0)
            for x in 0..<to.w {
                let fx = max(0, min(Float(from.w - 1), (Float(x) + 0.5) * Float(from.w) / Float(to.w) - 0.5))
                let x0 = Int(fx), x1 = min(from.w - 1, x0 + 1), wx = fx - Float(x0)
                let top = values[y0 * from.w + x0] * (1 - wx) + values[y0 * from.w + x1] * wx
                let bottom = values[y1 * from.w + x0] * (1 - wx) + values[y1 * from.w + x1] * wx
                out[y * to.w + x] = top * (1 - wy) + bottom * wy
            }
        }
        return out
    }
}

/// Writes replica files, making folders on the way.
public struct ReplicaWriter: Sendable {
    public let root: String
    public init(root: String) { self.root = root }

    public func path(_ relative: String) -> String { joinPathForTests(root, relative) }

    public func bytes(_ relative: String, _ data: [UInt8]) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(data).write(to: URL(fileURLWithPath: full))
    }

    public func text(_ relative: String, _ content: String) throws { try bytes(relative, Array(content.utf8)) }

    /// A gray PNG, values [h, w].
    public func gray(_ relative: String, width: Int, height: Int, _ values: [Float]) throws {
        try bytes(relative, PNGImage.encodeGray8(width: width, height: height, values: values))
    }

    /// An RGB PNG whose three channels are `gray` (BUSI stores its scans so).
    public func grayAsRGB(_ relative: String, width: Int, height: Int, _ values: [Float]) throws {
        try bytes(relative, PNGImage.encodeRGB8(width: width, height: height, pixels: values + values + values))
    }

    /// An RGB PNG mask drawing `mask` in `colour` (r, g, b) on black.
    public func colourMask(_ relative: String, width: Int, height: Int, _ mask: [Float], colour: (Float, Float, Float)) throws {
        let planes = [colour.0, colour.1, colour.2].flatMap { c in mask.map { $0 * c } }
        try bytes(relative, PNGImage.encodeRGB8(width: width, height: height, pixels: planes))
    }

    /// A black RGBA PNG mask whose alpha draws the lesion.
    public func alphaMask(_ relative: String, width: Int, height: Int, _ mask: [Float]) throws {
        var samples = [Float](repeating: 0, count: 4 * width * height)
        for i in mask.indices { samples[4 * i + 3] = mask[i] }
        try bytes(relative, PNGImage.encodeRGBA8(width: width, height: height, samples: samples))
    }

    /// A JPEG of the gray scan (quality 95).
    public func jpeg(_ relative: String, width: Int, height: Int, _ values: [Float]) throws {
        try bytes(relative, JPEGImage.encodeRGB8(width: width, height: height, pixels: values + values + values, quality: 95))
    }

    /// A 24-bit BMP of the gray scan.
    public func bmp(_ relative: String, width: Int, height: Int, _ values: [Float]) throws {
        try bytes(relative, BMPImage.encodeRGB24(width: width, height: height, pixels: values + values + values))
    }

    /// The same file under another name: an exact duplicate.
    public func copy(_ from: String, to: String) throws {
        try bytes(to, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(from)))))
    }
}

/// `root` joined with `relative` (TestSupport sees only Shared's public API).
func joinPathForTests(_ root: String, _ relative: String) -> String {
    relative.hasPrefix("/") ? relative : (root.hasSuffix("/") ? root + relative : root + "/" + relative)
}
