/// Everything that can go wrong reading or writing a safetensors file. Every case names the
/// file (its path, or the name given to `SafeTensorsReader(bytes:file:)`) and, where one is
/// involved, the tensor. See docs/FORMATS.md for what the reader accepts.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or mapped.
    case unreadable(file: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case fileTooShort(file: String, size: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header length is larger than `SafeTensorsReader.maxHeaderLength`.
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    /// The header is not UTF-8 JSON.
    case invalidJSON(file: String, reason: String)
    /// The header is JSON but not an object.
    case headerNotObject(file: String)
    /// A tensor entry is not an object, lacks `dtype`, `shape` or `data_offsets`, or one of
    /// them has the wrong type (including numbers that are not exact integers in 0...2^53).
    case invalidEntry(file: String, tensor: String, reason: String)
    /// The dtype string is not a safetensors dtype this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A shape with a dimension below zero.
    case negativeDimension(file: String, tensor: String, shape: [Int])
    /// The element or byte count of a shape does not fit in an `Int`.
    case sizeOverflow(file: String, tensor: String, shape: [Int])
    /// The shape and dtype need `expectedBytes`, the offsets span `actualBytes`.
    case sizeMismatch(file: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// `data_offsets` with begin > end.
    case offsetsReversed(file: String, tensor: String, begin: Int, end: Int)
    /// `data_offsets` reaching past the data section (`dataSize` bytes after the header).
    case offsetsOutOfBounds(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors share bytes.
    case overlappingTensors(file: String, first: String, second: String)
    /// `__metadata__` is not an object of strings; `key` is the offending entry, if any.
    case invalidMetadata(file: String, key: String?, reason: String)
    /// The requested tensor is not in the file; `available` holds up to 10 names that are.
    case tensorNotFound(file: String, tensor: String, available: [String], total: Int)
    /// The tensor's dtype cannot be read as the requested element type.
    case unsupportedDType(file: String, tensor: String, dtype: SafeTensorsDType, requested: String)
    /// An I64 value outside Int32's range, met while reading as Int32 (flat `index`).
    case valueOutOfRange(file: String, tensor: String, index: Int, value: Int64)
    /// A tensor handed to `SafeTensorsWriter` is unusable (bad name, shape, duplicate).
    case invalidTensor(tensor: String, reason: String)
    /// Writing the file failed; no partial file is left at the destination.
    case writeFailed(file: String, reason: String)
    /// The data section does not match the `crc32c` its metadata records: the file was
    /// damaged after it was written.
    case checksumMismatch(file: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read safetensors file: \(reason)"
        case let .fileTooShort(file, size):
            return "\(file): \(size) bytes is too short for a safetensors file (needs at least 8)"
        case let .headerBeyondFile(file, length, size):
            return "\(file): header length \(length) exceeds the \(size - 8) bytes after the length field"
        case let .headerTooLarge(file, length, limit):
            return "\(file): header length \(length) is larger than the limit of \(limit) bytes"
        case let .invalidJSON(file, reason):
            return "\(file): header is not valid JSON: \(reason)"
        case let .headerNotObject(file):
            return "\(file): header is JSON but not an object"
        case let .invalidEntry(file, tensor, reason):
            return "\(file): tensor \"\(tensor)\": \(reason)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor \"\(tensor)\": unknown dtype \"\(dtype)\""
        case let .negativeDimension(file, tensor, shape):
            return "\(file): tensor \"\(tensor)\": negative dimension in shape \(shape)"
        case let .sizeOverflow(file, tensor, shape):
            return "\(file): tensor \"\(tensor)\": size of shape \(shape) overflows"
        case let .sizeMismatch(file, tensor, expected, actual):
            return "\(file): tensor \"\(tensor)\": shape and dtype need \(expected) bytes, data_offsets span \(actual)"
        case let .offsetsReversed(file, tensor, begin, end):
            return "\(file): tensor \"\(tensor)\": data_offsets [\(begin), \(end)] begin after they end"
        case let .offsetsOutOfBounds(file, tensor, begin, end, dataSize):
            return "\(file): tensor \"\(tensor)\": data_offsets [\(begin), \(end)] reach past the \(dataSize)-byte data section"
        case let .overlappingTensors(file, first, second):
            return "\(file): tensors \"\(first)\" and \"\(second)\" overlap"
        case let .invalidMetadata(file, key, reason):
            if let key { return "\(file): __metadata__[\"\(key)\"]: \(reason)" }
            return "\(file): __metadata__: \(reason)"
        case let .tensorNotFound(file, tensor, available, total):
            let listed = available.map { "\"\($0)\"" }.joined(separator: ", ")
            let more = total > available.count ? ", ... (\(total) in all)" : ""
            return total == 0
                ? "\(file): no tensor \"\(tensor)\"; the file holds no tensors"
                : "\(file): no tensor \"\(tensor)\"; the file has \(listed)\(more)"
        case let .unsupportedDType(file, tensor, dtype, requested):
            return "\(file): tensor \"\(tensor)\": dtype \(dtype.rawValue) cannot be read as \(requested)"
        case let .valueOutOfRange(file, tensor, index, value):
            return "\(file): tensor \"\(tensor)\": value \(value) at flat index \(index) does not fit in Int32"
        case let .invalidTensor(tensor, reason):
            return "safetensors writer: tensor \"\(tensor)\": \(reason)"
        case let .writeFailed(file, reason):
            return "\(file): cannot write safetensors file: \(reason)"
        case let .checksumMismatch(file, expected, actual):
            return "\(file): damaged: its tensor data has CRC-32C \(actual), the file records \(expected)"
        }
    }
}

/// The element types of the safetensors format with a whole number of bytes per element.
/// `tensor(_:)` converts F32, F16, BF16, I32 and I64 to Float32; `int32Tensor(_:)` reads
/// I32 and I64. The others are accepted in a header (so a checkpoint holding them opens and
/// is validated) but reading them throws `unsupportedDType`.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", i32 = "I32", i64 = "I64"
    case f64 = "F64", i8 = "I8", u8 = "U8", i16 = "I16", u16 = "U16", u32 = "U32", u64 = "U64"
    case bool = "BOOL", f8E4M3 = "F8_E4M3", f8E5M2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .i8, .u8, .bool, .f8E4M3, .f8E5M2: return 1
        case .f16, .bf16, .i16, .u16: return 2
        case .f32, .i32, .u32: return 4
        case .f64, .i64, .u64: return 8
        }
    }
}

/// One tensor's header entry, validated.
public struct SafeTensorsEntry: Equatable, Sendable {
    public let name: String
    public let dtype: SafeTensorsDType
    /// Dimensions, outermost first; `[]` is a scalar (one element).
    public let shape: [Int]
    /// Product of `shape`.
    public let elementCount: Int
    /// Byte range relative to the start of the data section (the byte after the header).
    public let dataOffsets: Range<Int>
}
