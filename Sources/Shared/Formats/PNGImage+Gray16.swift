internal import CPNG

extension PNGImage {
    /// A 16-bit grayscale PNG: values clamped to [0, 1] and rounded to 0...65535 (NaN writes
    /// 0). libpng's simplified API marks 16-bit output linear (gAMA 1.0); this package's
    /// reader ignores gamma, so the stored values read back unchanged.
    /// values: [height, width]
    public static func encodeGray16(width: Int, height: Int, values: [Float], name: String = "PNG data") throws -> [UInt8] {
        let n = try checkedPixelCount(width: width, height: height, samples: values.count, perPixel: 1, name: name)
        var samples = [UInt16](repeating: 0, count: n)
        for i in 0..<n {
            let v = values[i]
            samples[i] = v > 0 ? (v < 1 ? UInt16((v * 65535).rounded()) : 65535) : 0
        }
        let bytes = samples.withUnsafeBytes { Array($0) }
        return try encode(bytes, width: width, height: height, format: UInt32(PNG_FORMAT_FLAG_LINEAR), channels: 1, name: name)   // the stride counts 16-bit samples
    }
}
