import Foundation
import Math
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects F32 and I32 tensors and writes them as one safetensors file.
///
/// The output is deterministic: tensors sorted by name (UTF-8 byte order) with contiguous
/// data offsets from 0, `__metadata__` first with its keys sorted, the JSON header padded
/// with spaces to a multiple of 8 bytes, all numbers little-endian. `write(to:)` is atomic
/// (`AtomicFile`): readers see the old file or the complete new one.
public struct SafeTensorsWriter: Sendable {
    /// The metadata key of the data section's checksum (`checksummed`).
    public static let checksumKey = "crc32c"

    /// Written as `__metadata__` (always present, possibly `{}`).
    public var metadata: [String: String]
    /// Adds `crc32c` to the metadata: the CRC-32C of the data section as 8 hex digits,
    /// which `SafeTensorsReader` verifies, so a flipped bit on disk is an error naming the
    /// file instead of a silently different tensor (checkpoints, pools).
    public var checksummed = false
    private var items: [String: Item] = [:]

    private enum Payload: Sendable {
        case f32(ArraySlice<Float>)   // a slice shares its array's storage: no copy
        case i32([Int32])
        case f16([UInt16])            // IEEE half bit patterns
    }

    private struct Item: Sendable {
        let shape: [Int]
        let payload: Payload
        var dtype: SafeTensorsDType {
            switch payload {
            case .f32: return .f32
            case .i32: return .i32
            case .f16: return .f16
            }
        }
        var byteCount: Int {
            switch payload {
            case .f32(let values): return values.count * 4
            case .i32(let values): return values.count * 4
            case .f16(let values): return values.count * 2
            }
        }

        /// Calls `body` with the values as little-endian bytes (copied only on big-endian hosts).
        func withLittleEndianBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
            switch payload {
            case .f32(let values):
                #if _endian(little)
                values.withUnsafeBytes(body)
                #else
                values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
                #endif
            case .i32(let values):
                #if _endian(little)
                values.withUnsafeBytes(body)
                #else
                values.map { $0.littleEndian }.withUnsafeBytes(body)
                #endif
            case .f16(let values):
                #if _endian(little)
                values.withUnsafeBytes(body)
                #else
                values.map { $0.littleEndian }.withUnsafeBytes(body)
                #endif
            }
        }
    }

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Tensor names added so far, in file order.
    public var names: [String] { items.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    /// Adds `tensor` as F32 under `name`.
    public mutating func add(_ name: String, _ tensor: Tensor) throws(SafeTensorsError) {
        try add(name, shape: tensor.shape, float32: tensor.data[...])
    }

    /// Adds `values` (row-major) as F32 under `name`, without copying them: a part of a
    /// larger buffer (one parameter of a flat `ParameterSet`) is written from where it is.
    public mutating func add(_ name: String, shape: [Int], float32 values: ArraySlice<Float>) throws(SafeTensorsError) {
        try insert(name, Item(shape: shape, payload: .f32(values)), count: values.count)
    }

    /// Adds `tensor` as F16 under `name`: each value rounded to the nearest half (ties to
    /// even); beyond the half range (65504) it becomes an infinity. Half the bytes of F32,
    /// for large tensors that tolerate it (a model file's normal-patch memory).
    public mutating func add(_ name: String, float16 tensor: Tensor) throws(SafeTensorsError) {
        try add(name, shape: tensor.shape, float16Bits: HalfFloat.bits(of: tensor.data))
    }

    /// Adds half bit patterns (row-major, `shape`'s element count of them) as F16 under `name`.
    public mutating func add(_ name: String, shape: [Int], float16Bits bits: [UInt16]) throws(SafeTensorsError) {
        try insert(name, Item(shape: shape, payload: .f16(bits)), count: bits.count)
    }

    /// Adds `values` (row-major, `shape`'s element count of them) as I32 under `name`.
    public mutating func add(_ name: String, shape: [Int], int32 values: [Int32]) throws(SafeTensorsError) {
        try insert(name, Item(shape: shape, payload: .i32(values)), count: values.count)
    }

    private mutating func insert(_ name: String, _ item: Item, count: Int) throws(SafeTensorsError) {
        if name == "__metadata__" { throw .invalidTensor(tensor: name, reason: "reserved name") }
        if items[name] != nil { throw .invalidTensor(tensor: name, reason: "added twice") }
        if item.shape.contains(where: { $0 < 0 }) {
            throw .invalidTensor(tensor: name, reason: "negative dimension in shape \(item.shape)")
        }
        var product = 1
        for dimension in item.shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { throw .invalidTensor(tensor: name, reason: "shape \(item.shape) overflows") }
            product = next
        }
        if product != count {
            throw .invalidTensor(tensor: name, reason: "shape \(item.shape) holds \(product) values, got \(count)")
        }
        items[name] = item
    }

    /// The 8-byte length followed by the padded JSON header.
    func headerBytes() -> [UInt8] {
        var metadata = self.metadata
        if checksummed {
            var crc: UInt32 = 0
            for name in names { items[name]?.withLittleEndianBytes { crc = CRC32C.appending($0, to: crc) } }
            metadata[Self.checksumKey] = SafeTensorsReader.hex(crc)
        }
        var json = "{\"__metadata__\":{"
        let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        json += keys.map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0] ?? ""))" }.joined(separator: ",")
        json += "}"
        var offset = 0
        for name in names {
            guard let item = items[name] else { continue }
            let shape = item.shape.map(String.init).joined(separator: ",")
            json += ",\(Self.quoted(name)):{\"dtype\":\"\(item.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + item.byteCount)]}"
            offset += item.byteCount
        }
        json += "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let length = UInt64(header.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + header
    }

    /// The complete file as bytes (for small files and tests; `write(to:)` streams instead).
    public func encoded() -> Data {
        var out = Data(headerBytes())
        for name in names {
            items[name]?.withLittleEndianBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes the file atomically to `url`, replacing any file there: readers see the old
    /// file or the new one, never a part. `durable` also fsyncs the file and its folder
    /// before returning (checkpoints); without it a power loss may lose the new file, but
    /// still never leaves a torn one (outputs that can be recomputed, like replay's).
    public func write(to url: URL, durable: Bool = true) throws(SafeTensorsError) {
        let header = headerBytes()
        if header.count - 8 > SafeTensorsReader.maxHeaderLength {
            throw .writeFailed(file: url.path, reason: "header of \(header.count - 8) bytes exceeds the reader's limit")
        }
        let failure = AtomicFile.write(to: url, durable: durable) { out in
            if let failure = header.withUnsafeBytes({ out.write($0) }) { return failure }
            for name in names {
                var failure: String?
                items[name]?.withLittleEndianBytes { failure = out.write($0) }
                if let failure { return failure }
            }
            return nil
        }
        if let failure { throw .writeFailed(file: url.path, reason: failure) }
    }

    /// `text` as a JSON string literal (UTF-8 kept, quotes, backslashes and controls escaped).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
