#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF):
/// the checksum of every message payload (docs/PROTOCOL.md).
///
/// Why CRC-32C and not zlib's CRC-32: x86-64 computes it in hardware (SSE4.2 `crc32`,
/// 8 bytes an instruction). Large buffers run as three independent streams, which keeps
/// the instruction's pipeline full, and the three CRCs are joined with the GF(2)
/// "append zeros" operator: ~1 ms for a 10 MB gradient, against ~4.6 ms for zlib's CRC-32,
/// and each such message is checksummed on both sides. Other architectures use a table.
public enum CRC32C {
    static let polynomial: UInt32 = 0x82F6_3B78

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        checksum(bytes, copyingTo: nil)
    }

    /// The checksum of what `crc` covers followed by `bytes` (`crc` 0: nothing before).
    public static func appending(_ bytes: UnsafeRawBufferPointer, to crc: UInt32) -> UInt32 {
        combine(crc, checksum(bytes), length: bytes.count)
    }

    /// Copies `bytes` to `destination` and returns their checksum, in one pass: each
    /// word is checksummed on its way through, so a 10 MB vector is read once instead of
    /// twice (the shared-memory files are written and read this way).
    public static func copy(_ bytes: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) -> UInt32 {
        checksum(bytes, copyingTo: destination)
    }

    /// The checksum of `bytes`, copied word by word to `destination` on the way when there
    /// is one. Inlined into both callers, so the copy costs nothing where it is nil.
    @inline(__always)
    private static func checksum(_ bytes: UnsafeRawBufferPointer, copyingTo destination: UnsafeMutableRawPointer?) -> UInt32 {
        #if arch(x86_64)
        // Below ~64 KiB one stream is as fast as the joining costs.
        let third = (bytes.count / 3) & ~7
        if third >= 1 << 14 {
            let base = bytes.baseAddress!
            var a: UInt64 = 0xFFFF_FFFF, b: UInt64 = 0xFFFF_FFFF, c: UInt64 = 0xFFFF_FFFF
            var i = 0
            while i < third {
                let wa = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let wb = base.loadUnaligned(fromByteOffset: third + i, as: UInt64.self)
                let wc = base.loadUnaligned(fromByteOffset: 2 * third + i, as: UInt64.self)
                if let destination {
                    destination.storeBytes(of: wa, toByteOffset: i, as: UInt64.self)
                    destination.storeBytes(of: wb, toByteOffset: third + i, as: UInt64.self)
                    destination.storeBytes(of: wc, toByteOffset: 2 * third + i, as: UInt64.self)
                }
                a = _mm_crc32_u64(a, wa)
                b = _mm_crc32_u64(b, wb)
                c = _mm_crc32_u64(c, wc)
                i += 8
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[(3 * third)...])
            if let destination, let r = rest.baseAddress {
                destination.advanced(by: 3 * third).copyMemory(from: r, byteCount: rest.count)
            }
            let crcC = ~hardware(UInt32(truncatingIfNeeded: c), rest)
            let ab = combine(~UInt32(truncatingIfNeeded: a), ~UInt32(truncatingIfNeeded: b), length: third)
            return combine(ab, crcC, length: bytes.count - 2 * third)
        }
        #endif
        // Small buffers (and other architectures): copied whole, then one stream.
        if let destination, let source = bytes.baseAddress { destination.copyMemory(from: source, byteCount: bytes.count) }
        #if arch(x86_64)
        return ~hardware(0xFFFF_FFFF, bytes)
        #else
        return ~software(0xFFFF_FFFF, bytes)
        #endif
    }

    #if arch(x86_64)
    /// The raw register (no final XOR) after `bytes`, starting from `crc`.
    @inline(__always)
    private static func hardware(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        var c = UInt64(crc)
        var i = 0
        while i + 8 <= bytes.count {
            c = _mm_crc32_u64(c, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var c32 = UInt32(truncatingIfNeeded: c)
        while i < bytes.count {
            c32 = _mm_crc32_u8(c32, base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        return c32
    }
    #endif

    /// The table-driven form (one byte a step): the portable path and the tests' reference.
    static func software(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = crc
        for byte in bytes { c = table[Int(UInt8(truncatingIfNeeded: c) ^ byte)] ^ (c >> 8) }
        return c
    }

    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ polynomial : c >> 1 }
        return c
    }

    /// The CRC of A followed by B, from crc(A), crc(B) and the length of B: crc(A) times
    /// x^(8 len(B)) modulo the polynomial, XOR crc(B) (the all-ones init and final XOR
    /// cancel out). Polynomials are bit-reflected: bit 31 is x^0.
    static func combine(_ crcA: UInt32, _ crcB: UInt32, length: Int) -> UInt32 {
        multiply(crcA, xPower8n(length)) ^ crcB
    }

    /// a * b modulo the polynomial.
    static func multiply(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var a = a, b = b, product: UInt32 = 0
        while a != 0 {
            if a & 0x8000_0000 != 0 { product ^= b }
            a <<= 1
            b = b & 1 != 0 ? (b >> 1) ^ polynomial : b >> 1
        }
        return product
    }

    /// x^(8 n) modulo the polynomial, by squaring.
    static func xPower8n(_ n: Int) -> UInt32 {
        var result: UInt32 = 0x8000_0000       // x^0
        var square: UInt32 = 0x0080_0000       // x^8
        var n = n
        while n > 0 {
            if n & 1 != 0 { result = multiply(result, square) }
            square = multiply(square, square)
            n >>= 1
        }
        return result
    }
}
