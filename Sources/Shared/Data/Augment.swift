import Foundation

/// The geometric and intensity operations behind the augmented views, on [C, H, W] or
/// [H, W] tensors (any leading size: every [H, W] plane is transformed alike).
enum Augment {
    /// Mirrors every plane left-right.
    static func horizontalFlip(_ x: Tensor) -> Tensor {
        let w = x.shape[x.rank - 1]
        var out = x
        for row in 0..<(x.count / w) {
            let base = row * w
            for j in 0..<w { out.data[base + j] = x.data[base + w - 1 - j] }
        }
        return out
    }

    /// Rotates every plane by `degrees` about the image center (counter-clockwise as
    /// displayed, with row 0 at the top), sampling bilinearly; pixels whose source lies
    /// outside the image blend with 0 (the border is filled with 0).
    static func rotate(_ x: Tensor, degrees: Float) -> Tensor {
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1], plane = h * w
        let theta = Double(degrees) * Double.pi / 180
        let c = Float(cos(theta)), s = Float(sin(theta))
        let cx = Float(w - 1) / 2, cy = Float(h - 1) / 2
        var out = Tensor(zeros: x.shape)
        for i in 0..<h {
            for j in 0..<w {
                // Source of output pixel (j, i): the inverse rotation of its offset.
                let dx = Float(j) - cx, dy = Float(i) - cy
                let sx = cx + dx * c - dy * s
                let sy = cy + dx * s + dy * c
                let x0f = sx.rounded(.down), y0f = sy.rounded(.down)
                guard x0f >= -1, y0f >= -1, x0f < Float(w), y0f < Float(h) else { continue }
                let x0 = Int(x0f), y0 = Int(y0f)
                let fx = sx - x0f, fy = sy - y0f
                // Taps outside the image read as 0.
                let inX0 = x0 >= 0, inX1 = x0 + 1 < w, inY0 = y0 >= 0, inY1 = y0 + 1 < h
                let w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx
                for p in 0..<(x.count / plane) {
                    let base = p * plane
                    var v: Float = 0
                    if inY0 && inX0 { v += w00 * x.data[base + y0 * w + x0] }
                    if inY0 && inX1 { v += w01 * x.data[base + y0 * w + x0 + 1] }
                    if inY1 && inX0 { v += w10 * x.data[base + (y0 + 1) * w + x0] }
                    if inY1 && inX1 { v += w11 * x.data[base + (y0 + 1) * w + x0 + 1] }
                    out.data[base + i * w + j] = v
                }
            }
        }
        return out
    }

    /// `rotate` for a binary mask: bilinear, then 1 where the result is >= 0.5.
    static func rotateMask(_ mask: Tensor, degrees: Float) -> Tensor {
        var out = rotate(mask, degrees: degrees)
        for i in out.data.indices { out.data[i] = out.data[i] >= 0.5 ? 1 : 0 }
        return out
    }

    /// Multiplies by `gain` and clamps to [0, 1].
    static func gain(_ x: Tensor, _ gain: Float) -> Tensor {
        var out = x
        for i in out.data.indices { out.data[i] = min(max(x.data[i] * gain, 0), 1) }
        return out
    }
}
