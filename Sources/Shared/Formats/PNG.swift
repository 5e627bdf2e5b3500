internal import CPNG
import Foundation

/// Why a PNG file could not be read or written; every case names the file.
public enum PNGError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read (the system's message, which is also what
    /// libpng reports for a failed open).
    case cannotRead(file: String, reason: String)
    /// libpng rejected the data: not a PNG, truncated, bad CRC, bad zlib stream, ...
    /// `message` is libpng's own.
    case invalidPNG(file: String, message: String)
    /// The header declares more pixels than the caller allows.
    case tooLarge(file: String, width: Int, height: Int, maxPixels: Int)
    /// The values given to a writer do not describe an image.
    case invalidArgument(file: String, reason: String)
    /// libpng could not encode the image (its message).
    case encodeFailed(file: String, message: String)
    /// The encoded file could not be written or moved into place.
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason): return "\(file): cannot read: \(reason)"
        case let .invalidPNG(file, message): return "\(file): not a readable PNG: libpng: \(message)"
        case let .tooLarge(file, width, height, maxPixels):
            return "\(file): PNG is \(width)x\(height), more than the limit of \(maxPixels) pixels"
        case let .invalidArgument(file, reason): return "\(file): cannot write PNG: \(reason)"
        case let .encodeFailed(file, message): return "\(file): PNG encoding failed: libpng: \(message)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        }
    }
}

/// An RGB image with samples in [0, 1].
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// pixels: [3, height, width] planar (CHW); row 0 is the top row.
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Memory order of the samples handed to `PNGImage.writeRGB8`.
public enum PixelLayout: Sendable {
    /// [3, H, W] planar: all red samples, then green, then blue.
    case chw
    /// [H, W, 3] interleaved: R, G, B of pixel 0, then pixel 1, ...
    case hwc
}

/// PNG reading and writing through libpng's simplified API (png_image), which reports
/// errors in `png_image.message` instead of longjmp.
///
/// Read policy (docs/FORMATS.md, "PNG"): every color type and bit depth is accepted;
/// a sample means value / maxval of its bit depth; gamma and color-space chunks (gAMA,
/// sRGB, iCCP, cHRM) are ignored, so stored values come back unchanged; alpha is
/// composited over black (color * alpha). 8-bit and smaller files are exact; 16-bit
/// files are exact without alpha and within 1/65535 with alpha (libpng premultiplies in
/// 16-bit integers).
public enum PNGImage {
    /// Images with more pixels than this are refused unless a caller passes a larger
    /// limit (a header can claim 10^12 pixels in 50 bytes).
    public static let defaultMaxPixels = 1 << 26

    // MARK: Reading

    /// Reads any PNG as RGB, alpha composited over black.
    /// returns: pixels [3, H, W] in [0, 1]
    public static func readRGB(_ path: String, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        try decodeRGB(readFile(path), name: path, maxPixels: maxPixels)
    }

    /// `readRGB` on PNG bytes in memory; `name` is used in errors.
    public static func decodeRGB(_ bytes: [UInt8], name: String = "PNG data", maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        let d = try decode(bytes, name: name, maxPixels: maxPixels)
        return RGBImage(width: d.width, height: d.height, pixels: d.chw)
    }

    // MARK: Writing

    /// Writes an 8-bit grayscale PNG. Values are clamped to [0, 1] and rounded to the
    /// nearest of 0...255 (NaN writes 0). The file is written to a temporary name in the
    /// same folder and renamed into place.
    /// values: [height, width]
    public static func writeGray8(_ path: String, width: Int, height: Int, values: [Float]) throws {
        let bytes = try encodeGray8(width: width, height: height, values: values, name: path)
        try writeFileAtomically(path, bytes)
    }

    /// Writes an 8-bit RGB PNG (quantized as in `writeGray8`), through a temporary file.
    /// pixels: [3, height, width] for `.chw`, [height, width, 3] for `.hwc`
    public static func writeRGB8(_ path: String, width: Int, height: Int, pixels: [Float], layout: PixelLayout = .chw) throws {
        let bytes = try encodeRGB8(width: width, height: height, pixels: pixels, layout: layout, name: path)
        try writeFileAtomically(path, bytes)
    }

    /// Writes `image` as an 8-bit RGB PNG.
    public static func writeRGB8(_ path: String, image: RGBImage) throws {
        try writeRGB8(path, width: image.width, height: image.height, pixels: image.pixels, layout: .chw)
    }

    /// The bytes `writeGray8` would write.
    /// values: [height, width]
    public static func encodeGray8(width: Int, height: Int, values: [Float], name: String = "PNG data") throws -> [UInt8] {
        let n = try checkedPixelCount(width: width, height: height, samples: values.count, perPixel: 1, name: name)
        var samples = [UInt8](repeating: 0, count: n)
        for i in 0..<n { samples[i] = quantize8(values[i]) }
        return try encode(samples, width: width, height: height, format: UInt32(PNG_FORMAT_GRAY), channels: 1, name: name)
    }

    /// The bytes `writeRGB8` would write.
    /// pixels: [3, height, width] for `.chw`, [height, width, 3] for `.hwc`
    public static func encodeRGB8(width: Int, height: Int, pixels: [Float], layout: PixelLayout = .chw, name: String = "PNG data") throws -> [UInt8] {
        let n = try checkedPixelCount(width: width, height: height, samples: pixels.count, perPixel: 3, name: name)
        var samples = [UInt8](repeating: 0, count: 3 * n)
        switch layout {
        case .hwc:
            for i in 0..<(3 * n) { samples[i] = quantize8(pixels[i]) }
        case .chw:
            for i in 0..<n {
                for c in 0..<3 { samples[3 * i + c] = quantize8(pixels[c * n + i]) }
            }
        }
        return try encode(samples, width: width, height: height, format: UInt32(PNG_FORMAT_RGB), channels: 3, name: name)
    }

    // MARK: - Implementation

    /// [0, 1] -> 0...255, clamped, rounded to nearest; NaN -> 0.
    static func quantize8(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }   // also NaN
        guard v < 1 else { return 255 }
        return UInt8((v * 255).rounded())
    }

    static func checkedPixelCount(width: Int, height: Int, samples: Int, perPixel: Int, name: String) throws -> Int {
        guard width > 0, height > 0 else {
            throw PNGError.invalidArgument(file: name, reason: "size \(width)x\(height) is not positive")
        }
        let (n, o1) = width.multipliedReportingOverflow(by: height)
        let (total, o2) = n.multipliedReportingOverflow(by: perPixel)
        guard !o1, !o2, Int32(exactly: width * perPixel) != nil, UInt32(exactly: height) != nil else {
            throw PNGError.invalidArgument(file: name, reason: "size \(width)x\(height) is too large")
        }
        guard samples == total else {
            throw PNGError.invalidArgument(file: name, reason: "\(samples) samples given for \(width)x\(height)x\(perPixel)")
        }
        return n
    }

    /// libpng's message from a png_image after a failed call.
    static func message(_ image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "unknown error" : text
    }

    // PNG_FORMAT_RGBA and PNG_FORMAT_LINEAR_RGB_ALPHA are macros built from other macros,
    // which Swift does not import; they are built from the flags that it does.
    static let formatRGBA8 = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
    static let formatLinearRGBA = UInt32(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)

    /// Decoded samples before the choice of RGB or mask. chw: [3, H, W]
    struct Decoded {
        var width: Int
        var height: Int
        var isColor: Bool
        var chw: [Float]
    }

    /// `keepColorSpaceChunks` hands libpng the file as it is (tests use it to show what
    /// libpng does with gAMA and sRGB on its own).
    static func decode(_ original: [UInt8], name: String, maxPixels: Int, keepColorSpaceChunks: Bool = false) throws -> Decoded {
        let (filtered, complete) = scanChunks(original)
        let bytes = keepColorSpaceChunks ? original : filtered
        return try bytes.withUnsafeBytes { raw -> Decoded in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }
            if png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) == 0 {
                throw PNGError.invalidPNG(file: name, message: message(&image))
            }
            let width = Int(image.width), height = Int(image.height)
            let (n, overflow) = width.multipliedReportingOverflow(by: height)
            guard !overflow, n <= maxPixels, let stride = Int32(exactly: 4 * width) else {
                throw PNGError.tooLarge(file: name, width: width, height: height, maxPixels: maxPixels)
            }
            // The format begin_read reports is the file's: LINEAR means 16-bit samples,
            // COLOR means RGB or palette.
            let fileFormat = image.format
            let isColor = fileFormat & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
            var chw = [Float](repeating: 0, count: 3 * n)
            if fileFormat & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
                // 16-bit: linear RGBA 16-bit, color already multiplied by alpha (rounded
                // to the nearest 1/65535), i.e. composited over black.
                image.format = formatLinearRGBA
                var buffer = [UInt16](repeating: 0, count: 4 * n)
                let ok = buffer.withUnsafeMutableBytes { out in
                    png_image_finish_read(&image, nil, out.baseAddress, stride, nil)
                }
                if ok == 0 { throw PNGError.invalidPNG(file: name, message: message(&image)) }
                for i in 0..<n {
                    for c in 0..<3 { chw[c * n + i] = Float(buffer[4 * i + c]) / 65535 }
                }
            } else {
                // 1 to 8 bits and palettes: RGBA 8-bit, not premultiplied; samples below
                // 8 bits are scaled to 0...255 exactly (v * 255 / maxval).
                image.format = formatRGBA8
                var buffer = [UInt8](repeating: 0, count: 4 * n)
                let ok = buffer.withUnsafeMutableBytes { out in
                    png_image_finish_read(&image, nil, out.baseAddress, stride, nil)
                }
                if ok == 0 { throw PNGError.invalidPNG(file: name, message: message(&image)) }
                for i in 0..<n {
                    let alpha = Int(buffer[4 * i + 3])
                    for c in 0..<3 {
                        chw[c * n + i] = Float(Int(buffer[4 * i + c]) * alpha) / 65025
                    }
                }
            }
            // libpng stops after the last row, so a file cut inside or before IEND but
            // after its image data would still decode; call that truncated too.
            guard complete else {
                throw PNGError.invalidPNG(file: name, message: "file ends before the IEND chunk (truncated)")
            }
            return Decoded(width: width, height: height, isColor: isColor, chw: chw)
        }
    }

    /// Chunks that only describe how stored values map to light (gAMA, sRGB, iCCP,
    /// cHRM). libpng's simplified API would convert samples with them (8-bit files with a
    /// non-sRGB gAMA get re-encoded to sRGB, 16-bit files with any of them get
    /// linearized); this reader wants the stored values, so it removes them first.
    static let colorSpaceChunkTypes: [[UInt8]] = ["gAMA", "sRGB", "iCCP", "cHRM"].map { Array($0.utf8) }

    /// `bytes` without color-space chunks, or `bytes` itself when it has none or is not
    /// a well-formed chunk sequence up to where one would be (libpng then reports it).
    static func withoutColorSpaceChunks(_ bytes: [UInt8]) -> [UInt8] { scanChunks(bytes).filtered }

    /// Walks the chunk sequence (lengths only; libpng checks CRCs): `filtered` is `bytes`
    /// without color-space chunks, `complete` says whether a whole IEND chunk was found.
    static func scanChunks(_ bytes: [UInt8]) -> (filtered: [UInt8], complete: Bool) {
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard bytes.count >= 8, bytes[0..<8].elementsEqual(signature) else { return (bytes, false) }
        var complete = false
        var keep: [Range<Int>] = [0..<8]
        var dropped = false
        var pos = 8
        while pos + 12 <= bytes.count {
            var length = 0
            for k in 0..<4 { length = length << 8 | Int(bytes[pos + k]) }
            let end = pos + 12 + length
            if end > bytes.count { break }
            let type = bytes[(pos + 4)..<(pos + 8)]
            if colorSpaceChunkTypes.contains(where: { $0.elementsEqual(type) }) {
                dropped = true
            } else {
                keep.append(pos..<end)
            }
            pos = end
            if type.elementsEqual(Array("IEND".utf8)) {
                complete = true
                break
            }
        }
        guard dropped else { return (bytes, complete) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for range in keep { out.append(contentsOf: bytes[range]) }
        out.append(contentsOf: bytes[pos...])
        return (out, complete)
    }

    /// samples: [height, width, channels] 8-bit -> PNG bytes.
    static func encode(_ samples: [UInt8], width: Int, height: Int, format: UInt32, channels: Int, name: String) throws -> [UInt8] {
        func setUp() -> png_image {
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            image.width = UInt32(width)
            image.height = UInt32(height)
            image.format = format
            return image
        }
        let stride = Int32(width * channels)   // checked by checkedPixelCount
        return try samples.withUnsafeBytes { src -> [UInt8] in
            var image = setUp()
            defer { png_image_free(&image) }
            var size: png_alloc_size_t = 0
            // First pass: how many bytes the PNG needs.
            if png_image_write_to_memory(&image, nil, &size, 0, src.baseAddress, stride, nil) == 0 || size == 0 {
                throw PNGError.encodeFailed(file: name, message: message(&image))
            }
            var out = [UInt8](repeating: 0, count: Int(size))
            image = setUp()
            let ok = out.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, stride, nil)
            }
            if ok == 0 { throw PNGError.encodeFailed(file: name, message: message(&image)) }
            return Array(out.prefix(Int(size)))
        }
    }

    /// The whole file.
    static func readFile(_ path: String) throws -> [UInt8] {
        do { return try ImageFile.read(path) } catch { throw PNGError.cannotRead(file: path, reason: error.reason) }
    }

    /// Writes `bytes` atomically (and durably) to `path`: readers see the old file or the
    /// whole new one.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
        if let failure = AtomicFile.write(bytes, to: URL(fileURLWithPath: path), durable: true) {
            throw PNGError.cannotWrite(file: path, reason: failure)
        }
    }
}
