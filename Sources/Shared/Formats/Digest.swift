/// FNV-1a 64-bit digest as 16 hex digits: a stable fingerprint of a configuration's
/// canonical text (not a security measure).
///
/// `@inlinable`: it is generic and called from Wire, Shared and the coordinator, so without
/// its body in the module interface every caller got the unspecialized version, which walks
/// the bytes through witness tables (about 50 ms per MB instead of 1.2, on image files).
@inlinable
public func fnv1aDigest(_ bytes: some Sequence<UInt8>) -> String {
    var h = FNV1a()
    h.add(bytes)
    return h.digest
}

/// FNV-1a 64 fed in pieces (a file read piece by piece); `fnv1aDigest` of the whole.
public struct FNV1a: Sendable {
    @usableFromInline var state: UInt64 = 0xCBF2_9CE4_8422_2325

    @inlinable public init() {}

    @inlinable
    public mutating func add(_ bytes: some Sequence<UInt8>) {
        var h = state
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        state = h
    }

    /// 16 hex digits.
    @inlinable public var digest: String { hexDigits(state, count: 16) }
}

/// `value` in lowercase hex, zero-padded to `count` digits.
@inlinable
public func hexDigits(_ value: UInt64, count: Int) -> String {
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: max(0, count - hex.count)) + hex
}
