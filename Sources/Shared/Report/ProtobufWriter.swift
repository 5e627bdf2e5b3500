/// Protocol-buffer wire encoding, by hand: enough for the four small TensorBoard messages
/// (TensorBoardEvent.swift). Hand-written because swift-protobuf would bring a dependency and
/// a code generator (protoc + its plugin, or the build plugin) into the build for 4 messages
/// of 1 to 4 fields each.
///
/// Fields are appended in the order called; protobuf serializers (the C++ one, and Python's
/// upb that PyTorch goes through) write them in field-number order, so callers do too. The
/// `...IfNotDefault` forms follow proto3's implicit presence: a field that is not in a oneof
/// and not `optional` is left out at its default (0, empty); -0.0 is not the default (its
/// bits are not zero) and is written, as upb does.
struct ProtobufWriter {
    /// Wire types (the low 3 bits of a field's key).
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// `double` (fixed64).
    mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        littleEndian(value.bitPattern)
    }

    /// `float` (fixed32).
    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        littleEndian(value.bitPattern)
    }

    /// `int64`: two's complement as a varint (a negative value takes 10 bytes).
    mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// `string`: UTF-8, length-prefixed.
    mutating func string(_ field: Int, _ value: String) {
        lengthDelimited(field, Array(value.utf8))
    }

    /// An embedded message, length-prefixed; `body` writes its fields.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        lengthDelimited(field, inner.bytes)
    }

    mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    // proto3 implicit presence.

    mutating func doubleIfNotDefault(_ field: Int, _ value: Double) {
        if value.bitPattern != 0 { double(field, value) }
    }

    mutating func int64IfNotDefault(_ field: Int, _ value: Int64) {
        if value != 0 { int64(field, value) }
    }

    mutating func stringIfNotDefault(_ field: Int, _ value: String) {
        if !value.isEmpty { string(field, value) }
    }
}
