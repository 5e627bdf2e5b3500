internal import CTurboJPEG
import Foundation

/// JPEG through libjpeg-turbo's TurboJPEG API, which reports errors as return codes and
/// messages (libjpeg's own API longjmps out of its error handler, which Swift cannot
/// unwind through). Decoding uses the library's defaults (accurate integer IDCT, fancy
/// upsampling), as Pillow does; a warning (a truncated or corrupt stream) is an error.
public enum JPEGImage {
    /// The size of a JPEG, from its stream.
    static func size(_ bytes: [UInt8], name: String) throws(ImageFileError) -> (width: Int, height: Int) {
        let h = try header(bytes, name: name)
        return (h.width, h.height)
    }

    /// (width, height) from the first start-of-frame marker in `bytes` (a prefix of the
    /// file is enough), or nil when it is not there.
    static func frameSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }   // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2 else { return nil }
            let startOfFrame: Set<UInt8> = [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]
            if startOfFrame.contains(marker) {
                guard i + 9 <= bytes.count else { return nil }
                let height = Int(bytes[i + 5]) << 8 | Int(bytes[i + 6]), width = Int(bytes[i + 7]) << 8 | Int(bytes[i + 8])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            i += 2 + length
        }
        return nil
    }

    struct Header { var width: Int; var height: Int; var colorspace: Int32 }

    static func header(_ bytes: [UInt8], name: String) throws(ImageFileError) -> Header {
        guard let handle = tjInitDecompress() else { throw ImageFileError(file: name, reason: "turbojpeg: cannot start a decompressor") }
        defer { tjDestroy(handle) }
        var w: Int32 = 0, h: Int32 = 0, sub: Int32 = 0, cs: Int32 = 0
        let ok = bytes.withUnsafeBufferPointer { tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &w, &h, &sub, &cs) }
        guard ok == 0 else { throw failure(handle, name) }
        return Header(width: Int(w), height: Int(h), colorspace: cs)
    }

    /// Gray JPEGs give one channel, every other colour JPEG three (RGB); CMYK and YCCK are
    /// refused.
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws(ImageFileError) -> DecodedImage {
        let h = try header(bytes, name: name)
        let (n, overflow) = h.width.multipliedReportingOverflow(by: h.height)
        guard !overflow, n <= maxPixels else {
            throw ImageFileError(file: name, reason: "image is \(h.width)x\(h.height), more than the limit of \(maxPixels) pixels")
        }
        guard h.colorspace != TJCS_CMYK.rawValue && h.colorspace != TJCS_YCCK.rawValue else {
            throw ImageFileError(file: name, reason: "a CMYK JPEG; save it as RGB or gray")
        }
        let gray = h.colorspace == TJCS_GRAY.rawValue
        let channels = gray ? 1 : 3
        guard let handle = tjInitDecompress() else { throw ImageFileError(file: name, reason: "turbojpeg: cannot start a decompressor") }
        defer { tjDestroy(handle) }
        var out = [UInt8](repeating: 0, count: n * channels)
        let format = gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue
        let ok = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, Int32(h.width), 0, Int32(h.height),
                              format, TJFLAG_LIMITSCANS)
            }
        }
        guard ok == 0 else { throw failure(handle, name) }
        return DecodedImage(width: h.width, height: h.height, channels: channels, samples: out.map { Float($0) / 255 })
    }

    static func failure(_ handle: tjhandle, _ name: String) -> ImageFileError {
        let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
        return ImageFileError(file: name, reason: "not a readable JPEG: turbojpeg: \(message)")
    }

    /// An 8-bit RGB JPEG (4:4:4, `quality` 1-100); dataset replicas use it.
    /// pixels: [3, height, width] in [0, 1]
    public static func encodeRGB8(width: Int, height: Int, pixels: [Float], quality: Int) throws(ImageFileError) -> [UInt8] {
        guard width > 0, height > 0, pixels.count == 3 * width * height, (1...100).contains(quality) else {
            throw ImageFileError(file: "JPEG data", reason: "\(pixels.count) samples for \(width)x\(height)x3 at quality \(quality)")
        }
        let n = width * height
        var rgb = [UInt8](repeating: 0, count: 3 * n)
        for i in 0..<n { for c in 0..<3 { rgb[3 * i + c] = PNGImage.quantize8(pixels[c * n + i]) } }
        guard let handle = tjInitCompress() else { throw ImageFileError(file: "JPEG data", reason: "turbojpeg: cannot start a compressor") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let ok = rgb.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), TJPF_RGB.rawValue, &buffer, &size,
                        Int32(TJSAMP_444.rawValue), Int32(quality), 0)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard ok == 0, let buffer else { throw failure(handle, "JPEG data") }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}
