/// GPT-2 / CLIP's reversible map from bytes to printable Unicode characters, so that BPE
/// can work on strings: the bytes '!'...'~', '¡'...'¬' and '®'...'ÿ' stand for themselves,
/// the other 68 bytes map to U+0100, U+0101, ... in increasing byte order.
enum ByteUnicode {
    /// The character of each byte value 0...255.
    static let characters: [Character] = {
        var map = [Character](repeating: " ", count: 256)
        for (byte, scalar) in pairs { map[byte] = Character(scalar) }
        return map
    }()

    /// Byte values in vocabulary order (the printable ranges, then the rest ascending),
    /// with their characters: CLIP's first 256 token ids.
    static let pairs: [(Int, Unicode.Scalar)] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var out = printable.map { ($0, Unicode.Scalar(UInt8($0))) }
        var next: UInt32 = 256
        let taken = Set(printable)
        for byte in 0...255 where !taken.contains(byte) {
            out.append((byte, Unicode.Scalar(next) ?? " "))
            next += 1
        }
        return out
    }()
}
