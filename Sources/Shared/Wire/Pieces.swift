import Foundation

/// The 10 MB parameter and gradient vectors travel as pieces of at most a given number of
/// values, each its own message (PARAMS, GRAD), sent in order. The receiver handles one
/// piece while the next is on the wire and the sender encodes the one after, so encoding,
/// transfer and decoding overlap instead of adding up.
public enum Pieces {
    /// 2 MiB of Float32: the coordinator's piece size unless `ultraad train --piece-floats`
    /// says otherwise (tests use tiny pieces to get many). Receivers accept any piece size;
    /// the coordinator's is in WELCOME, and workers cut their GRAD pieces to it.
    public static let defaultFloats = 1 << 19

    /// The pieces of a vector of `count` values, at most `floatsPerPiece` (at least 1)
    /// each, in order (one empty piece for none).
    public static func ranges(count: Int, floatsPerPiece: Int) -> [Range<Int>] {
        precondition(floatsPerPiece >= 1, "pieces of \(floatsPerPiece) floats")
        guard count > 0 else { return [0..<0] }
        return stride(from: 0, to: count, by: floatsPerPiece).map { $0..<min($0 + floatsPerPiece, count) }
    }
}

/// A piece's values: the floats a sender encodes, or the little-endian bytes a receiver
/// decoded (kept as they came, so they are copied once, into the assembled vector).
public enum FloatPiece: Sendable {
    case floats(ArraySlice<Float>)
    case bytes(ArraySlice<UInt8>)

    public var count: Int {
        switch self {
        case .floats(let f): return f.count
        case .bytes(let b): return b.count / 4
        }
    }

    public var values: [Float] {
        var out = [Float]()
        appendValues(to: &out)
        return out
    }

    func appendValues(to out: inout [Float]) {
        switch self {
        case .floats(let f): out.append(contentsOf: f)
        case .bytes(let b):   // x86-64 and arm64 are little-endian: the bytes are the floats
            b.withUnsafeBytes { src in
                let n = src.count / 4
                if let base = src.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
                    UnsafeRawBufferPointer(start: base, count: 4 * n).withMemoryRebound(to: Float.self) { out.append(contentsOf: $0) }
                } else {
                    for i in 0..<n { out.append(src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)) }
                }
            }
        }
    }
}

/// Puts a vector back together from its pieces, which must come in order and without
/// gaps; anything else is a malformed message.
public struct PieceAssembler: Sendable {
    public let total: Int
    public private(set) var values: [Float] = []
    public var isComplete: Bool { values.count == total }

    public init(total: Int) {
        self.total = total
        values.reserveCapacity(total)
    }

    /// Appends the piece `part` carries (one sent inline, not through shared memory).
    public mutating func append(_ part: VectorPart, what: String) throws(WireError) {
        guard part.shared == nil else { throw .malformed("\(what): a shared-memory vector where pieces were expected") }
        try append(part.values, offset: part.offset, total: part.total, what: what)
    }

    /// Appends the piece that starts at `offset` of a vector of `total` values.
    public mutating func append(_ piece: FloatPiece, offset: UInt64, total: UInt64, what: String) throws(WireError) {
        guard total == UInt64(self.total) else {
            throw .malformed("\(what): a vector of \(total) values, expected \(self.total)")
        }
        guard offset == UInt64(values.count) else {
            throw .malformed("\(what): piece at offset \(offset), expected \(values.count) (pieces come in order)")
        }
        guard piece.count <= self.total - values.count else {
            throw .malformed("\(what): piece of \(piece.count) values at \(offset) overruns \(total)")
        }
        piece.appendValues(to: &values)
    }
}
