import Foundation
@testable import Shared

/// Edits that make a near copy of an image [3, H, W] in [0, 1], as a dataset's duplicates
/// arise: re-exported at another size, cropped, with other gain or gamma, re-encoded.
enum PlantedEdits {
    /// Bilinear resize to round(scale * size) on each axis.
    static func resize(_ x: Tensor, height hs: Double, width ws: Double) -> Tensor {
        let h = x.shape[1], w = x.shape[2]
        let oh = Int((Double(h) * hs).rounded()), ow = Int((Double(w) * ws).rounded())
        return BilinearResize(from: (h, w), to: (oh, ow)).forward(x)
    }

    /// Drops round(fraction * size) pixels from each side.
    static func crop(_ x: Tensor, top: Double, bottom: Double, left: Double, right: Double) -> Tensor {
        let h = x.shape[1], w = x.shape[2]
        let t = Int((Double(h) * top).rounded()), b = Int((Double(h) * bottom).rounded())
        let l = Int((Double(w) * left).rounded()), r = Int((Double(w) * right).rounded())
        let oh = h - t - b, ow = w - l - r
        var data: [Float] = []
        data.reserveCapacity(3 * oh * ow)
        for c in 0..<3 {
            for i in t..<(h - b) {
                let row: Int = (c * h + i) * w
                data += x.data[(row + l)..<(row + w - r)]
            }
        }
        return Tensor(shape: [3, oh, ow], data: data)
    }

    /// Each value through `f`, clamped to [0, 1].
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { min(max(f($0), 0), 1) })
    }

    /// Rounded to the nearest of 256 levels (an 8-bit file).
    static func requantize(_ x: Tensor) -> Tensor { map(x) { ($0 * 255).rounded() / 255 } }

    /// Adds Gaussian noise of `sigma` (the same to every channel: the image stays gray).
    static func noise(_ x: Tensor, sigma: Float, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        let plane = x.shape[1] * x.shape[2]
        let n = (0..<plane).map { _ in sigma * rng.nextNormal() }
        var out = x
        for i in out.data.indices { out.data[i] = min(max(x.data[i] + n[i % plane], 0), 1) }
        return out
    }

    /// Moves the picture `pixels` to the right (negative: left), filling the gap with black
    /// or, with `replicate`, with the nearest column.
    static func shift(_ x: Tensor, pixels: Int, replicate: Bool = false) -> Tensor {
        let w = x.shape[2]
        var out = Tensor(zeros: x.shape)
        for row in 0..<(x.count / w) {
            for j in 0..<w {
                let src = j - pixels
                if src >= 0 && src < w { out.data[row * w + j] = x.data[row * w + src] }
                else if replicate { out.data[row * w + j] = x.data[row * w + min(max(src, 0), w - 1)] }
            }
        }
        return out
    }
}
