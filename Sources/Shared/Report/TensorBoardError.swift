/// Why a TensorBoard event file could not be written or read. Every case names the file;
/// a damaged record also gives the byte offset where that record starts.
public enum TensorBoardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The folder or the file could not be created or written (`reason`: the system's).
    case cannotWrite(file: String, reason: String)
    /// The file could not be opened or read.
    case cannotRead(file: String, reason: String)
    /// The record starting at `offset` is cut short or fails a check: a CRC, its length, or
    /// its data is not an Event message.
    case damagedRecord(file: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        case let .cannotRead(file, reason): return "\(file): cannot read: \(reason)"
        case let .damagedRecord(file, offset, reason): return "\(file): record at byte \(offset): \(reason)"
        }
    }
}
