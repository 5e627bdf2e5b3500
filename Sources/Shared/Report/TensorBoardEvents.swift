import Foundation

/// Reads a TensorBoard event file back (tests, and tools that check a run's
/// `RUN/tensorboard/`). Stricter than TensorBoard, which stops quietly at a damaged or cut
/// record: both CRCs of every record are checked, and any damage is an error naming the
/// file and the offset of the record.
public enum TensorBoardEvents {
    /// Every event of the file, in order.
    public static func read(_ url: URL) throws(TensorBoardError) -> [TensorBoardEvent] {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw .cannotRead(file: url.path, reason: error.localizedDescription)
        }
        return try read(bytes, file: url.path)
    }

    /// The events in `bytes`, the contents of `file` (named in errors).
    static func read(_ bytes: [UInt8], file: String) throws(TensorBoardError) -> [TensorBoardEvent] {
        var events: [TensorBoardEvent] = []
        var offset = 0
        while offset < bytes.count {
            func damaged(_ reason: String) -> TensorBoardError { .damagedRecord(file: file, offset: offset, reason: reason) }
            let left = bytes.count - offset
            guard left >= 12 else {
                throw damaged("cut short: \(left) bytes where the 12-byte length and its CRC should be")
            }
            let length = load(UInt64.self, bytes, at: offset)
            let lengthCRC = TensorBoardRecord.maskedCRC(bytes[offset..<offset + 8])
            guard load(UInt32.self, bytes, at: offset + 8) == lengthCRC else {
                throw damaged("the CRC of the length does not match (a damaged length)")
            }
            guard left >= TensorBoardRecord.overhead, length <= UInt64(left - TensorBoardRecord.overhead) else {
                throw damaged("cut short: \(length) bytes of data and 4 of CRC, but \(left - 12) bytes left in the file")
            }
            let data = bytes[(offset + 12)..<(offset + 12 + Int(length))]
            guard load(UInt32.self, bytes, at: data.endIndex) == TensorBoardRecord.maskedCRC(data) else {
                throw damaged("the CRC of its \(length) bytes of data does not match (damaged data)")
            }
            do {
                events.append(try TensorBoardEvent(decoding: data))
            } catch {
                throw damaged("not an Event message: \(error.reason)")
            }
            offset = data.endIndex + 4
        }
        return events
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }
}
