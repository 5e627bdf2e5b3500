/// The size a PNG file declares in its IHDR chunk, read from its first 24 bytes without
/// decoding: enough to check that a mask matches its image while scanning a dataset.
enum PNGHeader {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// (width, height) from the first bytes of a PNG file (24 are needed); errors name `name`.
    static func size(of head: [UInt8], name: String) throws(ImageFileError) -> (width: Int, height: Int) {
        guard head.count >= 24, head.starts(with: signature) else {
            throw ImageFileError(file: name, reason: "not a PNG file (shorter than its header)")
        }
        guard head[12..<16].elementsEqual(Array("IHDR".utf8)) else {
            throw ImageFileError(file: name, reason: "not a PNG file (no IHDR chunk first)")
        }
        func u32(_ at: Int) -> Int { head[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let width = u32(16), height = u32(20)
        guard width > 0, height > 0 else {
            throw ImageFileError(file: name, reason: "PNG declares size \(width)x\(height)")
        }
        return (width, height)
    }

    /// A declared size is trusted only as far as the bytes can back it: deflate expands at
    /// most about 1032 times (two 1-bit codes per 258-byte match), so a file of N bytes
    /// cannot hold more than 1032 N bytes of rows, and its buffers are not allocated.
    /// Files too short for IHDR's bit depth and color type are left to libpng.
    static func checkCodedSize(_ bytes: [UInt8], name: String) throws(ImageFileError) {
        guard bytes.count >= 26, let (width, height) = try? size(of: bytes, name: name) else { return }
        let samplesPerPixel = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(bytes[25])] ?? 4
        let rowBytes = (width * samplesPerPixel * Int(bytes[24]) + 7) / 8   // < 2^32 * 4 * 255
        let (rows, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard overflow || rows > 1032 * bytes.count else { return }
        let needed = overflow ? "more than \(Int.max / 1032)" : "at least \((rows + 1031) / 1032)"
        throw ImageFileError(file: name, reason: "PNG: \(width) x \(height) needs \(needed) bytes of compressed data, "
                             + "the file has \(bytes.count) (cut short)")
    }
}
