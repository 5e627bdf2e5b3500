/// Samples as stored, before any compositing: what `ImageFile.decode` gives for every format.
public struct DecodedImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    /// samples: [height, width, channels] interleaved, row 0 the top row, each value / maxval
    /// of its stored bit depth in [0, 1]. `samples.count == width * height * channels`.
    public var samples: [Float]

    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    public init(width: Int, height: Int, channels: Int, samples: [Float]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// Alpha composited over black (color * alpha), gray repeated in three channels.
    /// returns: pixels [3, H, W] planar
    func rgb() -> RGBImage {
        let n = checkedCount()
        let colors = hasAlpha ? channels - 1 : channels
        var chw = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            let base = i * channels
            let alpha = hasAlpha ? samples[base + colors] : 1
            for c in 0..<3 { chw[c * n + i] = samples[base + (colors == 1 ? 0 : c)] * alpha }
        }
        return RGBImage(width: width, height: height, pixels: chw)
    }

    /// One value per pixel for a segmentation mask, in [0, 1].
    ///
    /// The rule (docs/FORMATS.md, "Masks"): a pixel's value is its largest color channel
    /// (gray: the gray value; RGB: max(R, G, B)), alpha ignored, so a mask drawn in any color
    /// counts wherever it is not black, and a transparent pixel keeps its color. The one
    /// exception is a mask whose color is the same at every pixel while its alpha varies: a
    /// flat (typically black) layer whose alpha draws the lesion carries its information only
    /// in alpha, so there the value is the alpha.
    /// returns: values [H, W] row-major
    public func maskValues() -> [Float] {
        let n = checkedCount()
        let colors = hasAlpha ? channels - 1 : channels
        if hasAlpha, n > 0, colorIsConstant(colors: colors), !alphaIsConstant(colors: colors) {
            return (0..<n).map { samples[$0 * channels + colors] }
        }
        return (0..<n).map { i in samples[(i * channels)..<(i * channels + colors)].max() ?? 0 }
    }

    // MARK: - Implementation

    func checkedCount() -> Int {
        precondition((1...4).contains(channels) && samples.count == width * height * channels,
                     "DecodedImage: \(samples.count) samples for \(width) x \(height) x \(channels)")
        return width * height
    }

    /// Every pixel's color equals the first pixel's.
    func colorIsConstant(colors: Int) -> Bool {
        let first = samples[0..<colors]
        return stride(from: channels, to: samples.count, by: channels).allSatisfy {
            samples[$0..<($0 + colors)].elementsEqual(first)
        }
    }

    func alphaIsConstant(colors: Int) -> Bool {
        let first = samples[colors]
        return stride(from: colors, to: samples.count, by: channels).allSatisfy { samples[$0] == first }
    }
}
