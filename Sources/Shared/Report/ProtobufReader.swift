/// Protocol-buffer wire decoding, by hand (the counterpart of ProtobufWriter): the fields of
/// one message in the order they come, each with its number and raw value. Callers pick the
/// fields they know and skip the rest, as protobuf readers do with unknown fields. Groups
/// (wire types 3 and 4, deprecated since proto2) are refused.
struct ProtobufReader {
    /// Why bytes are not a protobuf message.
    struct Malformed: Error, Equatable {
        let reason: String
    }

    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case lengthDelimited(ArraySlice<UInt8>)
    }

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// The next field, or nil at the end of the message.
    mutating func next() throws(Malformed) -> (field: Int, value: Value)? {
        guard position < bytes.endIndex else { return nil }
        let at = position - bytes.startIndex
        let key = try varint()
        let field = key >> 3
        guard field != 0, field <= 0x1FFF_FFFF else {
            throw Malformed(reason: "field number \(field) at byte \(at) of the message")
        }
        switch key & 7 {
        case 0:
            return (Int(field), .varint(try varint()))
        case 1:
            return (Int(field), .fixed64(try littleEndian(UInt64.self)))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - position) else {
                throw Malformed(reason: "field \(field) is \(length) bytes long, past the end of the message")
            }
            let start = position
            position += Int(length)
            return (Int(field), .lengthDelimited(bytes[start..<position]))
        case 5:
            return (Int(field), .fixed32(try littleEndian(UInt32.self)))
        default:
            throw Malformed(reason: "field \(field) has wire type \(key & 7) (not varint, fixed64, bytes or fixed32)")
        }
    }

    private mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard position < bytes.endIndex else { throw Malformed(reason: "a varint runs past the end of the message") }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return result }
        }
        throw Malformed(reason: "a varint is longer than 10 bytes")
    }

    private mutating func littleEndian<T: FixedWidthInteger>(_: T.Type) throws(Malformed) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.endIndex - position >= size else {
            throw Malformed(reason: "a \(size)-byte field runs past the end of the message")
        }
        var value: T = 0
        for i in 0..<size { value |= T(bytes[position + i]) << (8 * i) }
        position += size
        return value
    }
}

extension ProtobufReader.Value {
    /// The field as a message or string's bytes, or why it is not one.
    func payload(_ name: String) throws(ProtobufReader.Malformed) -> ArraySlice<UInt8> {
        guard case let .lengthDelimited(payload) = self else { throw ProtobufReader.Malformed(reason: "\(name) is not length-delimited") }
        return payload
    }

    func string(_ name: String) throws(ProtobufReader.Malformed) -> String {
        let payload = try payload(name)
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw ProtobufReader.Malformed(reason: "\(name) is not UTF-8")
        }
        return text
    }
}
