/// The record framing of TensorBoard event files (TensorFlow's TFRecord), one record per
/// serialized Event:
///
///     u64 LE  length of the data
///     u32 LE  masked CRC-32C of those 8 length bytes
///     ...     the data
///     u32 LE  masked CRC-32C of the data
enum TensorBoardRecord {
    /// Bytes around the data: the length, its CRC, the data's CRC.
    static let overhead = 16

    /// TensorFlow's masked CRC: rotated right by 15 bits plus a constant, so that a CRC of
    /// bytes that themselves hold CRCs is not degenerate.
    static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    static func maskedCRC(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        masked(bytes.withUnsafeBytes { CRC32C.checksum($0) })
    }

    /// Appends `data` as one record to `output`.
    static func append(_ data: [UInt8], to output: inout [UInt8]) {
        let start = output.count
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { output.append(contentsOf: $0) }
        let lengthCRC = maskedCRC(output[start..<start + 8])
        withUnsafeBytes(of: lengthCRC.littleEndian) { output.append(contentsOf: $0) }
        output.append(contentsOf: data)
        withUnsafeBytes(of: maskedCRC(data[...]).littleEndian) { output.append(contentsOf: $0) }
    }
}
