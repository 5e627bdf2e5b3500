/// Windows bitmaps, decoded here: no maintained Swift package reads them, and the format is
/// small. Accepted: the core (12-byte) and info headers (40, 52, 56, 108, 124 bytes);
/// 1, 4 and 8 bits with a palette; 16 bits (5-5-5, or the masks of BI_BITFIELDS); 24 bits;
/// 32 bits (BI_RGB: the fourth byte unused; masks with a nonzero alpha mask: RGBA);
/// bottom-up and top-down rows. RLE, JPEG and PNG compression are refused. Every size and
/// offset is checked against the bytes present before anything is allocated or read.
public enum BMPImage {
    struct Header {
        var width: Int
        var height: Int
        var topDown: Bool
        var bitsPerPixel: Int
        var compression: UInt32
        var pixelOffset: Int
        var palette: [(r: UInt8, g: UInt8, b: UInt8)]
        /// Channel masks (r, g, b, a) for 16 and 32 bits.
        var masks: (UInt32, UInt32, UInt32, UInt32)
        var size: (width: Int, height: Int) { (width, height) }
    }

    static func header(_ b: [UInt8], name: String) throws(ImageFileError) -> Header {
        func fail(_ reason: String) -> ImageFileError { ImageFileError(file: name, reason: "not a readable BMP: \(reason)") }
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24 }
        guard b.count >= 26, b[0] == 0x42, b[1] == 0x4D else { throw fail("shorter than its headers") }
        let pixelOffset = Int(u32(10)), infoSize = Int(u32(14))
        guard [12, 40, 52, 56, 64, 108, 124].contains(infoSize) else { throw fail("unknown info header of \(infoSize) bytes") }
        guard b.count >= 14 + infoSize else { throw fail("the info header is cut off") }
        var h = Header(width: 0, height: 0, topDown: false, bitsPerPixel: 0, compression: 0, pixelOffset: pixelOffset,
                       palette: [], masks: (0, 0, 0, 0))
        var paletteCount = 0, paletteEntry = 4, paletteStart = 14 + infoSize
        if infoSize == 12 {
            h.width = u16(18); h.height = u16(20); h.bitsPerPixel = u16(24); paletteEntry = 3
        } else {
            h.width = Int(Int32(bitPattern: u32(18)))
            let rawHeight = Int(Int32(bitPattern: u32(22)))
            h.topDown = rawHeight < 0
            h.height = abs(rawHeight)
            h.bitsPerPixel = u16(28)
            h.compression = u32(30)
            paletteCount = Int(u32(46))
            if infoSize >= 52 { h.masks = (u32(54), u32(58), u32(62), infoSize >= 56 ? u32(66) : 0) }
            else if h.compression == 3 || h.compression == 6 {   // masks follow a 40-byte header
                let extra = h.compression == 6 ? 16 : 12
                guard b.count >= 54 + extra else { throw fail("the colour masks are cut off") }
                h.masks = (u32(54), u32(58), u32(62), h.compression == 6 ? u32(66) : 0)
                paletteStart += extra
            }
        }
        guard h.width > 0, h.height > 0 else { throw fail("size \(h.width)x\(h.height)") }
        switch h.compression {
        case 0, 3, 6: break
        case 1: throw ImageFileError(file: name, reason: "BMP: RLE8 compression is not supported")
        case 2: throw ImageFileError(file: name, reason: "BMP: RLE4 compression is not supported")
        case 4, 5: throw ImageFileError(file: name, reason: "BMP: embedded JPEG or PNG is not supported")
        default: throw fail("unknown compression \(h.compression)")
        }
        guard [1, 4, 8, 16, 24, 32].contains(h.bitsPerPixel) else { throw fail("\(h.bitsPerPixel) bits per pixel") }
        if h.compression != 0 && ![16, 32].contains(h.bitsPerPixel) { throw fail("colour masks with \(h.bitsPerPixel) bits per pixel") }
        if h.bitsPerPixel <= 8 {
            let most = 1 << h.bitsPerPixel
            let count = paletteCount == 0 ? most : min(paletteCount, most)
            guard paletteStart + count * paletteEntry <= b.count else {
                throw fail("the palette is cut off")
            }
            h.palette = (0..<count).map { k in
                let at = paletteStart + k * paletteEntry
                return (b[at + 2], b[at + 1], b[at])
            }
        } else if h.compression == 0 {
            h.masks = h.bitsPerPixel == 16 ? (0x7C00, 0x03E0, 0x001F, 0) : (0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0)
        }
        return h
    }

    static func decode(_ b: [UInt8], name: String, maxPixels: Int) throws(ImageFileError) -> DecodedImage {
        let h = try header(b, name: name)
        let (n, overflow) = h.width.multipliedReportingOverflow(by: h.height)
        guard !overflow, n <= maxPixels else {
            throw ImageFileError(file: name, reason: "image is \(h.width)x\(h.height), more than the limit of \(maxPixels) pixels")
        }
        let stride = (h.bitsPerPixel * h.width + 31) / 32 * 4
        let (rows, o2) = stride.multipliedReportingOverflow(by: h.height)
        guard !o2, h.pixelOffset >= 14, h.pixelOffset <= b.count, rows <= b.count - h.pixelOffset else {
            throw ImageFileError(file: name, reason: "not a readable BMP: the pixel rows are cut off (\(b.count) bytes)")
        }
        let alpha = h.bitsPerPixel >= 16 && h.compression != 0 && h.masks.3 != 0
        let channels = alpha ? 4 : 3
        var samples = [Float](repeating: 0, count: n * channels)
        let field = [h.masks.0, h.masks.1, h.masks.2, h.masks.3].map(MaskField.init)
        for y in 0..<h.height {
            let row = h.pixelOffset + (h.topDown ? y : h.height - 1 - y) * stride
            for x in 0..<h.width {
                let out = (y * h.width + x) * channels
                switch h.bitsPerPixel {
                case 1, 4, 8:
                    let bit = x * h.bitsPerPixel
                    let byte = b[row + bit / 8]
                    let index = Int(byte >> (8 - h.bitsPerPixel - bit % 8)) & ((1 << h.bitsPerPixel) - 1)
                    let colour = index < h.palette.count ? h.palette[index] : (0, 0, 0)   // outside the palette: black
                    samples[out] = Float(colour.0) / 255; samples[out + 1] = Float(colour.1) / 255; samples[out + 2] = Float(colour.2) / 255
                case 24:
                    let at = row + 3 * x
                    samples[out] = Float(b[at + 2]) / 255; samples[out + 1] = Float(b[at + 1]) / 255; samples[out + 2] = Float(b[at]) / 255
                default:
                    let at = row + x * h.bitsPerPixel / 8
                    var v = UInt32(b[at]) | UInt32(b[at + 1]) << 8
                    if h.bitsPerPixel == 32 { v |= UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24 }
                    for c in 0..<channels { samples[out + c] = field[c].value(v) }
                }
            }
        }
        return DecodedImage(width: h.width, height: h.height, channels: channels, samples: samples)
    }

    /// A channel's bit mask: its shift and maximum.
    struct MaskField {
        let mask: UInt32, shift: UInt32, maximum: Float
        init(_ mask: UInt32) {
            self.mask = mask
            shift = mask == 0 ? 0 : UInt32(mask.trailingZeroBitCount)
            maximum = Float(mask >> shift)
        }
        func value(_ v: UInt32) -> Float { maximum == 0 ? 0 : Float((v & mask) >> shift) / maximum }
    }

    /// A 24-bit bottom-up BMP with a 40-byte info header; dataset replicas use it.
    /// pixels: [3, height, width] in [0, 1]
    public static func encodeRGB24(width: Int, height: Int, pixels: [Float]) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == 3 * width * height, "samples do not fit the size")
        let stride = (24 * width + 31) / 32 * 4, n = width * height
        var out = [UInt8]()
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16(v >> 16 & 0xFFFF) }
        out += [0x42, 0x4D]; u32(54 + stride * height); u32(0); u32(54)
        u32(40); u32(width); u32(height); u16(1); u16(24); u32(0); u32(stride * height); u32(2835); u32(2835); u32(0); u32(0)
        for y in (0..<height).reversed() {
            for x in 0..<width {
                let i = y * width + x
                out += [PNGImage.quantize8(pixels[2 * n + i]), PNGImage.quantize8(pixels[n + i]), PNGImage.quantize8(pixels[i])]
            }
            out += [UInt8](repeating: 0, count: stride - 3 * width)
        }
        return out
    }
}
