import CZlib

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the checksum in every message
/// header, the value Python's zlib.crc32 gives. Computed by zlib's crc32, which runs at
/// gigabytes per second; a byte-table loop took ~25 ms per 10 MB gradient, four times a
/// step (sender and receiver, both directions).
public enum CRC32 {
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc = crc32(0, nil, 0)
            var offset = 0
            while offset < buffer.count {   // zlib takes lengths as 32-bit uInt
                let n = min(buffer.count - offset, 1 << 30)
                crc = crc32(crc, buffer.baseAddress! + offset, uInt(n))
                offset += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
