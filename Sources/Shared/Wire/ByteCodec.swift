import Math

/// Little-endian encoding of message payloads. The reader checks every length against
/// what is left, so a hostile or truncated payload is an error, never an over-read.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { append(v) }
    public mutating func u32(_ v: UInt32) { append(v) }
    public mutating func u64(_ v: UInt64) { append(v) }
    public mutating func i32(_ v: Int32) { append(UInt32(bitPattern: v)) }
    public mutating func f32(_ v: Float) { append(v.bitPattern) }
    public mutating func f64(_ v: Double) { append(v.bitPattern) }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func raw(_ b: [UInt8]) {
        u64(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    /// Float32 values: count, then the little-endian bytes.
    public mutating func floats(_ v: [Float]) { floats(v[...]) }

    public mutating func floats(_ v: FloatPiece) {
        switch v {
        case .floats(let f): floats(f)
        case .bytes(let b): u64(UInt64(b.count / 4)); bytes.append(contentsOf: b)
        }
    }

    public mutating func floats(_ v: ArraySlice<Float>) {
        u64(UInt64(v.count))
        v.withUnsafeBytes { bytes.append(contentsOf: $0) }   // x86-64 and arm64 are little-endian
    }

    public mutating func int32s(_ v: [Int32]) {
        u64(UInt64(v.count))
        for x in v { i32(x) }
    }

    /// Float16 bit patterns: count, then the little-endian bytes.
    public mutating func halves(_ v: [UInt16]) {
        u64(UInt64(v.count))
        v.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// A tensor: rank, dimensions, values.
    public mutating func tensor(_ t: Tensor) {
        u32(UInt32(t.shape.count))
        for d in t.shape { u64(UInt64(d)) }
        floats(t.data)
    }
}

public struct ByteReader: Sendable {
    let bytes: [UInt8]
    public private(set) var offset: Int
    /// Largest element count any single array in a payload may claim.
    public var maxElements = 1 << 31

    public init(_ bytes: [UInt8], offset: Int = 0) { self.bytes = bytes; self.offset = offset }

    public var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int, _ what: String) throws(WireError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw .malformed("\(what): needs \(n) bytes, \(remaining) left at offset \(offset)")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(WireError) -> T {
        let s = try take(MemoryLayout<T>.size, what)
        var v: T = 0
        for (i, b) in s.enumerated() { v |= T(b) << (8 * i) }
        return v
    }

    public mutating func u8(_ what: String) throws(WireError) -> UInt8 { try integer(UInt8.self, what) }
    public mutating func u16(_ what: String) throws(WireError) -> UInt16 { try integer(UInt16.self, what) }
    public mutating func u32(_ what: String) throws(WireError) -> UInt32 { try integer(UInt32.self, what) }
    public mutating func u64(_ what: String) throws(WireError) -> UInt64 { try integer(UInt64.self, what) }
    public mutating func i32(_ what: String) throws(WireError) -> Int32 { Int32(bitPattern: try u32(what)) }
    public mutating func f32(_ what: String) throws(WireError) -> Float { Float(bitPattern: try u32(what)) }
    public mutating func f64(_ what: String) throws(WireError) -> Double { Double(bitPattern: try u64(what)) }

    /// A count that must fit what is left when each element takes `size` bytes.
    mutating func count(_ what: String, elementSize size: Int) throws(WireError) -> Int {
        let n = try u64(what)
        guard n <= UInt64(maxElements), Int(n) * size <= remaining else {
            throw .malformed("\(what): claims \(n) elements, only \(remaining) bytes left")
        }
        return Int(n)
    }

    public mutating func string(_ what: String) throws(WireError) -> String {
        let n = Int(try u32(what))
        let s = try take(n, what)
        guard let str = String(validating: s, as: UTF8.self) else { throw .malformed("\(what): not UTF-8") }
        return str
    }

    public mutating func raw(_ what: String) throws(WireError) -> [UInt8] {
        Array(try take(try count(what, elementSize: 1), what))
    }

    /// `floats` left as the payload's bytes (no copy), for `PieceAssembler`.
    public mutating func floatBytes(_ what: String) throws(WireError) -> ArraySlice<UInt8> {
        try take(try count(what, elementSize: 4) * 4, what)
    }

    public mutating func floats(_ what: String) throws(WireError) -> [Float] { try values(what) }

    /// A count, then that many values as their little-endian bytes (x86-64 and arm64 are
    /// little-endian), copied in one pass with no zero fill.
    private mutating func values<T: BitwiseCopyable>(_ what: String) throws(WireError) -> [T] {
        let size = MemoryLayout<T>.stride
        let n = try count(what, elementSize: size)
        let s = try take(n * size, what)
        return [T](unsafeUninitializedCapacity: n) { dst, count in
            s.withUnsafeBytes { src in UnsafeMutableRawBufferPointer(dst).copyMemory(from: src) }
            count = n
        }
    }

    public mutating func int32s(_ what: String) throws(WireError) -> [Int32] {
        let n = try count(what, elementSize: 4)
        var out = [Int32]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try i32(what)) }
        return out
    }

    /// Float16 bit patterns, as `ByteWriter.halves` wrote them.
    public mutating func halves(_ what: String) throws(WireError) -> [UInt16] { try values(what) }

    /// A tensor's rank and dimensions (at most rank 8 and `maxElements` values).
    mutating func shape(_ what: String) throws(WireError) -> [Int] {
        let rank = Int(try u32(what))
        guard rank <= 8 else { throw .malformed("\(what): rank \(rank)") }
        var shape = [Int]()
        var total = 1
        for _ in 0..<rank {
            let d = try u64(what)
            guard d <= UInt64(maxElements) else { throw .malformed("\(what): dimension \(d)") }
            let (p, overflow) = total.multipliedReportingOverflow(by: Int(d))
            guard !overflow, p <= maxElements else { throw .malformed("\(what): shape too large") }
            shape.append(Int(d)); total = p
        }
        return shape
    }

    public mutating func tensor(_ what: String) throws(WireError) -> Tensor {
        let shape = try shape(what)
        let values = try floats(what)
        try Self.check(values.count, fill: shape, what)
        return Tensor(shape: shape, data: values)
    }

    /// A shape and the values that came for it must agree.
    static func check(_ count: Int, fill shape: [Int], _ what: String) throws(WireError) {
        let total = shape.reduce(1, *)
        guard count == total else { throw .malformed("\(what): shape \(shape) holds \(total) values, payload has \(count)") }
    }

    /// Every byte must have been read: trailing bytes mean a malformed payload.
    public func finish(_ what: String) throws(WireError) {
        guard remaining == 0 else { throw .malformed("\(what): \(remaining) unexpected trailing bytes") }
    }
}
