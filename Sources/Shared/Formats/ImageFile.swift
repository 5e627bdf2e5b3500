import Foundation

/// The image file formats datasets come in, told apart by their first bytes.
public enum ImageFileKind: String, Sendable {
    case png, jpeg, bmp

    /// The kind `bytes` start like, or nil.
    public init?(magic bytes: some Collection<UInt8>) {
        let b = Array(bytes.prefix(8))
        if b.count >= 8 && b == PNGHeader.signature { self = .png }
        else if b.count >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF { self = .jpeg }
        else if b.count >= 2 && b[0] == 0x42 && b[1] == 0x4D { self = .bmp }   // "BM"
        else { return nil }
    }
}

/// Why an image file could not be read: the file and the reason.
public struct ImageFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): cannot read: \(reason)" }
}

/// Samples as stored, before any compositing: interleaved [height, width, channels],
/// value / maxval in [0, 1]. channels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
public struct DecodedImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var samples: [Float]
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    public init(width: Int, height: Int, channels: Int, samples: [Float]) {
        precondition((1...4).contains(channels) && samples.count == width * height * channels, "samples do not fit the size")
        self.width = width; self.height = height; self.channels = channels; self.samples = samples
    }

    /// One mask value per pixel, [H * W] row-major: the largest colour channel (the gray
    /// value of a gray file), ignoring alpha; except where the colour is the same across
    /// the whole mask and alpha is present and not: then alpha draws the mask (a black
    /// RGBA mask whose transparency outlines the lesion).
    public func maskValues() -> [Float] {
        let n = width * height, colours = hasAlpha ? channels - 1 : channels
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var m: Float = 0
            for c in 0..<colours { m = max(m, samples[i * channels + c]) }
            values[i] = m
        }
        guard hasAlpha, n > 0 else { return values }
        let alpha = (0..<n).map { samples[$0 * channels + channels - 1] }
        let constantColour = (0..<n).allSatisfy { i in (0..<colours).allSatisfy { samples[i * channels + $0] == samples[$0] } }
        let constantAlpha = alpha.allSatisfy { $0 == alpha[0] }
        return constantColour && !constantAlpha ? alpha : values
    }
}

/// PNG, JPEG and BMP behind one entry point (docs/FORMATS.md, "Image files"): the kind
/// is read from the bytes, not the name, so a `.png` that is a JPEG still reads.
public enum ImageFile {
    /// The whole file.
    public static func read(_ path: String) throws(ImageFileError) -> [UInt8] {
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ImageFileError(file: path, reason: reason(error))
        }
    }

    /// The image's size from its header, reading no more of the file than needed.
    public static func size(of path: String) throws(ImageFileError) -> (width: Int, height: Int) {
        let head: [UInt8]
        do {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ImageFileError(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
            }
            defer { try? handle.close() }
            head = [UInt8](try handle.read(upToCount: 1 << 16) ?? Data())
        } catch let e as ImageFileError { throw e } catch {
            throw ImageFileError(file: path, reason: reason(error))
        }
        switch ImageFileKind(magic: head) {
        case .png:
            do { return try PNGHeader.size(of: path) } catch { throw ImageFileError(file: path, reason: error.reason) }
        case .jpeg:
            if let s = JPEGImage.frameSize(head) { return s }
            return try JPEGImage.size(try read(path), name: path)   // the frame header is past a large EXIF block
        case .bmp:
            return try BMPImage.header(head, name: path).size
        case nil:
            throw unknownKind(head, name: path)
        }
    }

    /// Decodes PNG, JPEG or BMP bytes; `name` is used in errors.
    public static func decode(_ bytes: [UInt8], name: String, maxPixels: Int = PNGImage.defaultMaxPixels) throws(ImageFileError) -> DecodedImage {
        switch ImageFileKind(magic: bytes) {
        case .png:
            do { return try PNGImage.decodeSamples(bytes, name: name, maxPixels: maxPixels) } catch {
                throw ImageFileError(file: name, reason: reason(error))
            }
        case .jpeg: return try JPEGImage.decode(bytes, name: name, maxPixels: maxPixels)
        case .bmp: return try BMPImage.decode(bytes, name: name, maxPixels: maxPixels)
        case nil: throw unknownKind(bytes, name: name)
        }
    }

    /// Decodes to RGB [3, H, W] in [0, 1]: alpha composited over black, gray repeated in
    /// the three channels. For PNG exactly `PNGImage.decodeRGB`.
    public static func decodeRGB(_ bytes: [UInt8], name: String, maxPixels: Int = PNGImage.defaultMaxPixels) throws(ImageFileError) -> RGBImage {
        if ImageFileKind(magic: bytes) == .png {
            do { return try PNGImage.decodeRGB(bytes, name: name, maxPixels: maxPixels) } catch {
                throw ImageFileError(file: name, reason: reason(error))
            }
        }
        let d = try decode(bytes, name: name, maxPixels: maxPixels)
        let n = d.width * d.height
        var chw = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            let alpha: Float = d.hasAlpha ? d.samples[i * d.channels + d.channels - 1] : 1
            for c in 0..<3 {
                let s = d.channels >= 3 ? d.samples[i * d.channels + c] : d.samples[i * d.channels]
                chw[c * n + i] = s * alpha
            }
        }
        return RGBImage(width: d.width, height: d.height, pixels: chw)
    }

    static func unknownKind(_ bytes: [UInt8], name: String) -> ImageFileError {
        let first = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
        return ImageFileError(file: name, reason: bytes.isEmpty ? "empty file" : "not a PNG, JPEG or BMP file (first bytes \(first))")
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let PNGError.cannotRead(_, reason): return reason
        case let PNGError.invalidPNG(_, message): return "not a readable PNG: libpng: \(message)"
        case let PNGError.tooLarge(_, w, h, limit): return "image is \(w)x\(h), more than the limit of \(limit) pixels"
        case let e as CocoaError:
            if let posix = e.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(posix.code)))
            }
            return e.code == .fileReadNoSuchFile || e.code == .fileNoSuchFile ? "no such file" : e.localizedDescription
        default: return "\(error)"
        }
    }
}
