/// The headers of a BMP file, checked against the bytes present: the 14-byte file header,
/// one of the info headers BITMAPCOREHEADER (12 bytes), BITMAPINFOHEADER (40), V2 (52), V3
/// (56), V4 (108) or V5 (124), the bit masks and the palette.
///
/// BMP is decoded by hand: there is no maintained Swift package for it, and the format is
/// small enough that a reader whose every offset is checked is shorter than a binding.
struct BMPHeader {
    var width: Int
    var height: Int
    /// Rows are stored top row first (negative height in the file); usually bottom row first.
    var topDown: Bool
    var bitsPerPixel: Int
    /// Where the pixel rows start.
    var pixelOffset: Int
    /// palette: [entries, 3] RGB, for 1, 4 and 8 bits per pixel.
    var palette: [UInt8]
    /// Red, green, blue and alpha masks of a 16- or 32-bit pixel (alpha 0: no alpha channel).
    var masks: [UInt32]

    static let infoHeaderSizes: Set<Int> = [12, 40, 52, 56, 108, 124]

    /// The size declared in the first 26 bytes, without the rest of the checks.
    static func size(of head: [UInt8], name: String) throws(ImageFileError) -> (width: Int, height: Int) {
        let d = try dimensions(Reader(bytes: head, name: name))
        return (d.width, d.height)
    }

    /// Every header field the decoder needs, checked.
    static func parse(_ bytes: [UInt8], name: String) throws(ImageFileError) -> BMPHeader {
        let r = Reader(bytes: bytes, name: name)
        let d = try dimensions(r)
        let infoSize = d.infoSize
        let bits = try r.u16(infoSize == 12 ? 24 : 28)
        let compression: UInt32 = try infoSize == 12 ? 0 : r.u32(30)
        // Three masks after a 40-byte header (four with BI_ALPHABITFIELDS); inside the larger
        // headers, at the same place (alpha from V3 on).
        var masksEnd = 14 + infoSize
        var masks: [UInt32]
        switch compression {
        case 0:
            guard [1, 4, 8, 16, 24, 32].contains(bits) else { throw r.error("BMP: \(bits) bits per pixel is not supported") }
            masks = bits == 16 ? [0x7C00, 0x03E0, 0x001F, 0] : [0xFF_0000, 0xFF00, 0xFF, 0]
        case 3, 6:
            guard bits == 16 || bits == 32 else {
                throw r.error("BMP: bit masks with \(bits) bits per pixel are not supported")
            }
            let count = infoSize >= 56 || compression == 6 ? 4 : 3
            if infoSize == 40 { masksEnd += 4 * count }
            masks = try (0..<count).map { i throws(ImageFileError) in try r.u32(54 + 4 * i) }
            if count == 3 { masks.append(0) }
        default:
            throw r.error("BMP: \(compressionName(compression)) compression is not supported")
        }
        let entrySize = infoSize == 12 ? 3 : 4
        var pixelOffset = Int(try r.u32(10))
        var palette: [UInt8] = []
        if bits <= 8 {
            let declared = try infoSize == 12 ? 0 : Int(r.u32(46))
            palette = readPalette(r, start: masksEnd, bits: bits, entrySize: entrySize, declared: declared, pixelOffset: pixelOffset)
        }
        if pixelOffset == 0 {
            // Some writers leave it 0: the pixels then follow the palette.
            pixelOffset = masksEnd + palette.count / 3 * entrySize
        }
        guard pixelOffset >= 14 + infoSize, pixelOffset <= bytes.count else {
            throw r.error("BMP: pixel data offset \(pixelOffset) is not within \(14 + infoSize)...\(bytes.count) (the headers' end to the file's end)")
        }
        return BMPHeader(width: d.width, height: d.height, topDown: d.topDown, bitsPerPixel: bits,
                         pixelOffset: pixelOffset, palette: palette, masks: masks)
    }

    // MARK: - Implementation

    static func dimensions(_ r: Reader) throws(ImageFileError) -> (width: Int, height: Int, topDown: Bool, infoSize: Int) {
        guard r.bytes.starts(with: [0x42, 0x4D]) else { throw r.error("not a BMP file") }
        let infoSize = Int(try r.u32(14))
        guard infoHeaderSizes.contains(infoSize) else {
            throw r.error("BMP: info header of \(infoSize) bytes is not supported (12, 40, 52, 56, 108 or 124)")
        }
        let width: Int, height: Int
        if infoSize == 12 {
            width = try r.u16(18)
            height = try r.u16(20)
        } else {
            width = Int(Int32(bitPattern: try r.u32(18)))
            height = Int(Int32(bitPattern: try r.u32(22)))
        }
        guard width > 0, height != 0 else { throw r.error("BMP declares size \(width) x \(height)") }
        return (width, abs(height), height < 0, infoSize)
    }

    /// The palette as RGB triples: the declared number of colors (0: 2^bits), at most 2^bits,
    /// and only as many as lie before the pixel data (or the end of the file). Pixels whose
    /// index has no entry read as black.
    /// returns: [entries, 3]
    static func readPalette(_ r: Reader, start: Int, bits: Int, entrySize: Int, declared: Int, pixelOffset: Int) -> [UInt8] {
        let full = 1 << bits
        let end = pixelOffset > start ? min(pixelOffset, r.bytes.count) : r.bytes.count
        let present = max(0, end - start) / entrySize
        let count = min(declared > 0 ? min(declared, full) : full, present)
        var rgb = [UInt8](repeating: 0, count: 3 * count)
        for i in 0..<count {
            let at = start + entrySize * i
            rgb[3 * i] = r.bytes[at + 2]
            rgb[3 * i + 1] = r.bytes[at + 1]
            rgb[3 * i + 2] = r.bytes[at]
        }
        return rgb
    }

    static func compressionName(_ code: UInt32) -> String {
        switch code {
        case 1: return "RLE8"
        case 2: return "RLE4"
        case 4: return "JPEG-in-BMP"
        case 5: return "PNG-in-BMP"
        case 11, 12, 13: return "CMYK"
        default: return "type \(code)"
        }
    }

    /// Little-endian fields that throw instead of reading past the end.
    struct Reader {
        let bytes: [UInt8]
        let name: String

        func error(_ reason: String) -> ImageFileError { ImageFileError(file: name, reason: reason) }

        func u16(_ at: Int) throws(ImageFileError) -> Int {
            guard at + 2 <= bytes.count else { throw cutShort() }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }

        func u32(_ at: Int) throws(ImageFileError) -> UInt32 {
            guard at + 4 <= bytes.count else { throw cutShort() }
            return (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
        }

        func cutShort() -> ImageFileError { error("BMP: file ends inside its headers (\(bytes.count) bytes)") }
    }
}
