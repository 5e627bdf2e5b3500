internal import CPNG

extension PNGImage {
    /// An 8-bit RGBA PNG (quantized as in `writeGray8`; colour not premultiplied by alpha).
    /// Dataset replicas use it for masks whose alpha draws the lesion.
    /// samples: [height, width, 4] interleaved in [0, 1]
    public static func encodeRGBA8(width: Int, height: Int, samples: [Float], name: String = "PNG data") throws -> [UInt8] {
        let n = try checkedPixelCount(width: width, height: height, samples: samples.count, perPixel: 4, name: name)
        return try encode(samples.prefix(4 * n).map(quantize8), width: width, height: height,
                          format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), channels: 4, name: name)
    }
}
