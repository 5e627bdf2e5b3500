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
}
