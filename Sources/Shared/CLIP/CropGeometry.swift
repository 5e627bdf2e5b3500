/// Where CLIP's preprocessing (`CLIPImagePreprocessor`) takes its input from, so that a map
/// computed on the S x S input can be shown on the whole image. Squash: the whole image
/// (every pixel is looked at). Crop: the shorter side resized to S, then the centre S x S;
/// pixels outside the crop were never looked at.
public struct CropGeometry: Sendable, Equatable {
    public let size: Int
    public let width: Int
    public let height: Int
    /// The resized image and the crop's top-left corner in it.
    let resized: (height: Int, width: Int)
    let top: Int, left: Int

    public init(size: Int, width: Int, height: Int, mode: ImagePreprocess) {
        self.size = size; self.width = width; self.height = height
        let p = CLIPImagePreprocessor(size: size, mode: mode)
        resized = p.resizedSize(height: height, width: width)
        top = Int((Double(resized.height - size) / 2).rounded(.toNearestOrEven))
        left = Int((Double(resized.width - size) / 2).rounded(.toNearestOrEven))
    }

    public static func == (a: CropGeometry, b: CropGeometry) -> Bool {
        a.size == b.size && a.width == b.width && a.height == b.height
    }

    /// `map` [S, S] on the image's own pixels [height, width]: each pixel centre taken to
    /// the input's coordinates and sampled bilinearly (edges clamped); NaN where the pixel
    /// lies outside the crop (not evaluated; never when squashing).
    public func mapOnImage(_ map: [Float]) -> [Float] {
        precondition(map.count == size * size, "map has \(map.count) values, the crop \(size * size)")
        var out = [Float](repeating: .nan, count: width * height)
        let sy = Double(resized.height) / Double(height), sx = Double(resized.width) / Double(width)
        for y in 0..<height {
            let cy = (Double(y) + 0.5) * sy - 0.5 - Double(top)
            guard cy >= -0.5, cy <= Double(size) - 0.5 else { continue }
            let fy = min(max(cy, 0), Double(size - 1)), y0 = Int(fy), y1 = min(y0 + 1, size - 1), wy = Float(fy - Double(y0))
            for x in 0..<width {
                let cx = (Double(x) + 0.5) * sx - 0.5 - Double(left)
                guard cx >= -0.5, cx <= Double(size) - 0.5 else { continue }
                let fx = min(max(cx, 0), Double(size - 1)), x0 = Int(fx), x1 = min(x0 + 1, size - 1), wx = Float(fx - Double(x0))
                let top = map[y0 * size + x0] * (1 - wx) + map[y0 * size + x1] * wx
                let bottom = map[y1 * size + x0] * (1 - wx) + map[y1 * size + x1] * wx
                out[y * width + x] = top * (1 - wy) + bottom * wy
            }
        }
        return out
    }
}
