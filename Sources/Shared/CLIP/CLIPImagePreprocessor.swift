/// CLIP's image preprocessing, as open_clip's `image_transform` (torchvision) does it:
/// resize the shorter side to S with bicubic interpolation (the long side becomes
/// int(S * long / short)), center crop S x S (top = round((h - S) / 2), Python's
/// round-half-to-even, left likewise), then normalize each channel with CLIP's mean and
/// std. Gray images arrive as three equal channels (`ImageFile.decodeRGB`).
///
/// The resize is `BicubicResize` (PIL's antialiased bicubic filter in floating point,
/// identical to PyTorch's `interpolate(bicubic, antialias=True)`). PIL works on 8-bit
/// images and rounds after each pass, so on real PNGs this differs from open_clip's
/// PIL pipeline by up to about 1/255 before normalization.
public struct CLIPImagePreprocessor: Sendable {
    public static let mean: [Float] = [0.481_454_66, 0.457_827_5, 0.408_210_73]
    public static let std: [Float] = [0.268_629_54, 0.261_302_58, 0.275_777_11]

    /// Output side S (the model's image size unless chosen otherwise).
    public var size: Int
    public var mode: ImagePreprocess

    /// `mode` `.crop` is CLIP's own (what open_clip and transformers do, and the parity
    /// fixtures check); runs choose with `backbone.preprocess`.
    public init(size: Int, mode: ImagePreprocess = .crop) {
        precondition(size > 0, "preprocess size must be positive")
        self.size = size
        self.mode = mode
    }

    /// The resized (not yet cropped) size of an image of `height` x `width`: S x S when
    /// squashing, the shorter side S when cropping.
    public func resizedSize(height: Int, width: Int) -> (height: Int, width: Int) {
        if mode == .squash { return (size, size) }
        if height <= width {
            return (size, Int(Double(size) * Double(width) / Double(height)))
        }
        return (Int(Double(size) * Double(height) / Double(width)), size)
    }

    /// Resized images larger than this many pixels are refused (an extremely elongated
    /// image would otherwise need gigabytes before the crop).
    public static let maxResizedPixels = 1 << 26

    /// image -> [3, S, S], normalized.
    public func callAsFunction(_ image: RGBImage) throws(CLIPImageError) -> Tensor {
        guard image.width > 0, image.height > 0, image.pixels.count == 3 * image.width * image.height else {
            throw .invalidImage(reason: "\(image.pixels.count) samples for \(image.width)x\(image.height) RGB")
        }
        var x = Tensor(shape: [3, image.height, image.width], data: image.pixels)
        let target = resizedSize(height: image.height, width: image.width)
        guard target.height.multipliedReportingOverflow(by: target.width).partialValue <= Self.maxResizedPixels,
              target.height <= Self.maxResizedPixels, target.width <= Self.maxResizedPixels else {
            throw .tooElongated(width: image.width, height: image.height, size: size)
        }
        if target != (image.height, image.width) {
            x = BicubicResize(from: (image.height, image.width), to: target).forward(x)
        }
        let top = Int((Double(target.height - size) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(target.width - size) / 2).rounded(.toNearestOrEven))
        var out = Tensor(zeros: [3, size, size])
        for c in 0..<3 {
            let m = Self.mean[c], inv = 1 / Self.std[c]
            for r in 0..<size {
                let src = (c * target.height + top + r) * target.width + left
                let dst = (c * size + r) * size
                for j in 0..<size { out.data[dst + j] = (x.data[src + j] - m) * inv }
            }
        }
        return out
    }

    /// images -> [B, 3, S, S].
    public func batch(_ images: [RGBImage]) throws(CLIPImageError) -> Tensor {
        guard !images.isEmpty else { throw .invalidImage(reason: "no images") }
        var out: [Tensor] = []
        for image in images { out.append(try self(image)) }
        return Tensor.stack(out)
    }
}

/// Why an image could not be preprocessed.
public enum CLIPImageError: Error, CustomStringConvertible, Equatable {
    case invalidImage(reason: String)
    /// Resizing the shorter side to `size` would make the longer one unreasonably long.
    case tooElongated(width: Int, height: Int, size: Int)

    public var description: String {
        switch self {
        case let .invalidImage(reason): return "not a usable image: \(reason)"
        case let .tooElongated(width, height, size):
            return "a \(width)x\(height) image resized to a shorter side of \(size) would exceed "
                + "\(CLIPImagePreprocessor.maxResizedPixels) pixels"
        }
    }
}
