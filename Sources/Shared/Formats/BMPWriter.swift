extension BMPImage {
    /// A 24-bit BMP (BITMAPINFOHEADER, BI_RGB, bottom-up rows). Values are quantized as PNG's
    /// writers do (clamped, rounded to the nearest of 0...255, NaN 0), so reading the file
    /// back gives round(255 v) / 255 exactly.
    /// pixels: [3, height, width] planar
    public static func encodeRGB24(width: Int, height: Int, pixels: [Float], name: String = "BMP data") throws(ImageFileError) -> [UInt8] {
        let n = try checkArguments(width: width, height: height, count: pixels.count, perPixel: 3, name: name)
        return try encode(width: width, height: height, bits: 24, masks: nil, palette: [], name: name) { i, out in
            for c in [2, 1, 0] { out.append(PNGImage.quantize8(pixels[c * n + i])) }
        }
    }

    /// A 32-bit BMP with alpha (BITMAPV4HEADER, BI_BITFIELDS with an alpha mask, sRGB),
    /// quantized as in `encodeRGB24`; alpha is stored as given, not premultiplied.
    /// pixels: [4, height, width] planar (R, G, B, alpha)
    public static func encodeRGBA32(width: Int, height: Int, pixels: [Float], name: String = "BMP data") throws(ImageFileError) -> [UInt8] {
        let n = try checkArguments(width: width, height: height, count: pixels.count, perPixel: 4, name: name)
        let masks: [UInt32] = [0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0xFF00_0000]
        return try encode(width: width, height: height, bits: 32, masks: masks, palette: [], name: name) { i, out in
            for c in [2, 1, 0, 3] { out.append(PNGImage.quantize8(pixels[c * n + i])) }
        }
    }

    /// An 8-bit BMP with a 256-entry gray palette (how gray images and masks are stored in
    /// BMP), quantized as in `encodeRGB24`; it reads back as three equal channels.
    /// values: [height, width]
    public static func encodeGray8(width: Int, height: Int, values: [Float], name: String = "BMP data") throws(ImageFileError) -> [UInt8] {
        _ = try checkArguments(width: width, height: height, count: values.count, perPixel: 1, name: name)
        let palette = (0...255).flatMap { (v: Int) -> [UInt8] in [UInt8(v), UInt8(v), UInt8(v), 0] }
        return try encode(width: width, height: height, bits: 8, masks: nil, palette: palette, name: name) { i, out in
            out.append(PNGImage.quantize8(values[i]))
        }
    }

    // MARK: - Implementation

    /// returns: width * height
    static func checkArguments(width: Int, height: Int, count: Int, perPixel: Int, name: String) throws(ImageFileError) -> Int {
        guard width > 0, height > 0, Int32(exactly: width) != nil, Int32(exactly: height) != nil else {
            throw ImageFileError(file: name, reason: "cannot write BMP: size \(width) x \(height) is outside 1...\(Int32.max)")
        }
        let (n, o1) = width.multipliedReportingOverflow(by: height)
        let (total, o2) = n.multipliedReportingOverflow(by: perPixel)
        guard !o1, !o2, count == total else {
            throw ImageFileError(file: name, reason: "cannot write BMP: \(count) samples given for \(width) x \(height) x \(perPixel)")
        }
        return n
    }

    /// The file: headers (a V4 header with `masks`, else BITMAPINFOHEADER), `palette` (BGRX
    /// entries), then the rows bottom-up, each pixel's bytes from `pixel(index, &out)`
    /// (index row-major from the top), each row padded to 4 bytes.
    static func encode(width: Int, height: Int, bits: Int, masks: [UInt32]?, palette: [UInt8], name: String,
                       pixel: (Int, inout [UInt8]) -> Void) throws(ImageFileError) -> [UInt8] {
        let infoSize = masks == nil ? 40 : 108
        let stride = (width * bits + 31) / 32 * 4
        let offset = 14 + infoSize + palette.count
        let (data, overflow) = stride.multipliedReportingOverflow(by: height)
        guard !overflow, let fileSize = UInt32(exactly: offset + data) else {
            throw ImageFileError(file: name, reason: "cannot write BMP: \(width) x \(height) is more than 4 GiB")
        }
        var out: [UInt8] = []
        out.reserveCapacity(Int(fileSize))
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32) { for k in 0..<4 { out.append(UInt8(v >> (8 * k) & 0xFF)) } }
        out += [0x42, 0x4D]
        u32(fileSize); u32(0); u32(UInt32(offset))
        u32(UInt32(infoSize)); u32(UInt32(width)); u32(UInt32(height)); u16(1); u16(bits)
        u32(masks == nil ? 0 : 3)                       // BI_RGB or BI_BITFIELDS
        u32(UInt32(data)); u32(2835); u32(2835)         // 72 dpi
        u32(UInt32(palette.count / 4)); u32(0)
        if let masks {
            masks.forEach(u32)
            u32(0x7352_4742)                            // LCS_sRGB: endpoints and gammas unused
            out += [UInt8](repeating: 0, count: 48)
        }
        out += palette
        for y in (0..<height).reversed() {
            let start = out.count
            for x in 0..<width { pixel(y * width + x, &out) }
            out += [UInt8](repeating: 0, count: stride - (out.count - start))
        }
        return out
    }
}
