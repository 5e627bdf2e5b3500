#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The image file formats a dataset may hold.
public enum ImageFileKind: String, Sendable {
    case png, jpeg, bmp
}

/// Why an image file could not be read, sized or decoded; names the file.
public struct ImageFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// What went wrong, without the file name: the system's message for a failed open,
    /// "not a PNG, JPEG or BMP file (first bytes ...)", "not a readable JPEG: turbojpeg: ...",
    /// "BMP: RLE8 compression is not supported", "image is W x H, more than the limit of N pixels".
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): cannot read: \(reason)" }
}

/// The one entry point for image files (dataset images and masks, images in worker
/// messages): it tells PNG, JPEG and BMP apart by their first bytes, never by the name.
///
/// Policy (docs/FORMATS.md, "Image files"): samples are value / maxval as stored; gamma and
/// color profiles are ignored; `decodeRGB` composites alpha over black.
public enum ImageFile {
    /// The format of `bytes` by its magic bytes: PNG's 8-byte signature, JPEG's SOI marker
    /// followed by a marker (FF D8 FF), BMP's "BM".
    public static func kind(of bytes: [UInt8]) -> ImageFileKind? {
        if bytes.starts(with: PNGHeader.signature) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x42, 0x4D]) { return .bmp }
        return nil
    }

    /// The size the file at `path` declares, without decoding: PNG and BMP from their first
    /// bytes, JPEG from its frame header (which may follow long metadata, so a JPEG is read
    /// whole). A size here does not promise that the file decodes.
    public static func size(of path: String) throws(ImageFileError) -> (width: Int, height: Int) {
        let head = try read(path, upTo: 32)
        switch kind(of: head) {
        case .png: return try PNGHeader.size(of: head, name: path)
        case .bmp: return try BMPHeader.size(of: head, name: path)
        case .jpeg: return try JPEGImage.size(of: try read(path), name: path)
        case nil: throw unknownKind(head, name: path)
        }
    }

    /// The samples as stored (no compositing); `name` is used in errors. Images with more
    /// than `maxPixels` pixels are refused before their buffers are allocated.
    public static func decode(_ bytes: [UInt8], name: String,
                              maxPixels: Int = PNGImage.defaultMaxPixels) throws(ImageFileError) -> DecodedImage {
        switch kind(of: bytes) {
        case .png:
            try PNGHeader.checkCodedSize(bytes, name: name)
            return try PNGImage.decodeSamples(bytes, name: name, maxPixels: maxPixels)
        case .jpeg: return try JPEGImage.decode(bytes, name: name, maxPixels: maxPixels)
        case .bmp: return try BMPImage.decode(bytes, name: name, maxPixels: maxPixels)
        case nil: throw unknownKind(bytes, name: name)
        }
    }

    /// Any image as RGB: alpha composited over black, gray repeated in the three channels.
    /// PNG goes through `PNGImage.decodeRGB` (its 16-bit path composites in libpng), after
    /// the check that its declared size fits its bytes.
    /// returns: pixels [3, H, W] in [0, 1]
    public static func decodeRGB(_ bytes: [UInt8], name: String,
                                 maxPixels: Int = PNGImage.defaultMaxPixels) throws(ImageFileError) -> RGBImage {
        guard kind(of: bytes) == .png else { return try decode(bytes, name: name, maxPixels: maxPixels).rgb() }
        try PNGHeader.checkCodedSize(bytes, name: name)
        do { return try PNGImage.decodeRGB(bytes, name: name, maxPixels: maxPixels) } catch {
            throw ImageFileError(png: error, name: name)
        }
    }

    /// The whole file at `path`.
    public static func read(_ path: String) throws(ImageFileError) -> [UInt8] {
        try read(path, upTo: Int.max)
    }

    // MARK: - Implementation

    static func unknownKind(_ bytes: [UInt8], name: String) -> ImageFileError {
        guard !bytes.isEmpty else { return ImageFileError(file: name, reason: "empty file, not a PNG, JPEG or BMP file") }
        let first = bytes.prefix(4).map { hexDigits(UInt64($0), count: 2) }.joined(separator: " ")
        return ImageFileError(file: name, reason: "not a PNG, JPEG or BMP file (first bytes \(first))")
    }

    /// "image is W x H, more than the limit of N pixels" unless width * height <= maxPixels.
    /// returns: width * height
    static func checkPixels(width: Int, height: Int, maxPixels: Int, name: String) throws(ImageFileError) -> Int {
        let (n, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, n <= maxPixels else {
            throw ImageFileError(file: name, reason: "image is \(width) x \(height), more than the limit of \(maxPixels) pixels")
        }
        return n
    }

    /// Up to `limit` bytes from the start of the file (fewer when it is shorter).
    static func read(_ path: String, upTo limit: Int) throws(ImageFileError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ImageFileError(file: path, reason: systemError(errno)) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 1 << 16))
        while bytes.count < limit {
            let want = min(chunk.count, limit - bytes.count)
            let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, want, file) }
            bytes.append(contentsOf: chunk[0..<got])
            if got < want {
                if ferror(file) != 0 { throw ImageFileError(file: path, reason: systemError(errno)) }
                break
            }
        }
        return bytes
    }

    static func systemError(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

extension ImageFileError {
    /// A `PNGError` from the PNG reader, as the reason `ImageFile` gives.
    init(png error: any Error, name: String) {
        switch error {
        case let PNGError.cannotRead(file, reason): self.init(file: file, reason: reason)
        case let PNGError.invalidPNG(file, message): self.init(file: file, reason: "not a readable PNG: libpng: \(message)")
        case let PNGError.tooLarge(file, width, height, maxPixels):
            self.init(file: file, reason: "image is \(width) x \(height), more than the limit of \(maxPixels) pixels")
        default: self.init(file: name, reason: "\(error)")
        }
    }
}
