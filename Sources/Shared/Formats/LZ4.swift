internal import CLZ4
import Foundation

/// Why an LZ4 frame could not be written or read. `what` names the payload (a file, a
/// message, a cache entry) so the message says which one failed.
public enum LZ4Error: Error, CustomStringConvertible, Equatable {
    /// liblz4 reported an error while compressing.
    case compressionFailed(what: String, reason: String)
    /// liblz4 rejected the frame (bad magic, header checksum, content checksum, corrupt
    /// block, wrong content size, ...); `offset` is how far into the frame it had read.
    case corrupt(what: String, reason: String, offset: Int)
    /// The frame header declares more content than the caller allows.
    case declaredSizeTooLarge(what: String, declared: UInt64, limit: Int)
    /// The frame declares no size, but decoding it would produce more than the limit.
    case outputTooLarge(what: String, limit: Int)
    /// The frame header declares more content than a frame of its size can hold
    /// (`LZ4Frame.maxExpansion` bytes per byte of frame): the frame is cut short, or its
    /// header is damaged.
    case declaredSizeBeyondFrame(what: String, declared: UInt64, frameSize: Int)
    /// The input ended before the frame did.
    case truncated(what: String, size: Int)
    /// Bytes follow the end of the frame.
    case trailingData(what: String, frameEnd: Int, size: Int)
    /// The input is an LZ4 skippable frame, which holds no data.
    case skippableFrame(what: String)
    /// The decoded bytes are not a whole number of Float32 values.
    case notFloats(what: String, byteCount: Int)

    public var description: String {
        switch self {
        case let .compressionFailed(what, reason):
            return "\(what): LZ4 compression failed: \(reason)"
        case let .corrupt(what, reason, offset):
            return "\(what): corrupt LZ4 frame (at byte \(offset)): \(reason)"
        case let .declaredSizeTooLarge(what, declared, limit):
            return "\(what): LZ4 frame declares \(declared) bytes of content, more than the limit of \(limit)"
        case let .outputTooLarge(what, limit):
            return "\(what): LZ4 frame decodes to more than the limit of \(limit) bytes"
        case let .declaredSizeBeyondFrame(what, declared, frameSize):
            return "\(what): LZ4 frame of \(frameSize) bytes declares \(declared) bytes of content, more than a frame of that size can hold (cut short, or a damaged header)"
        case let .truncated(what, size):
            return "\(what): LZ4 frame is truncated (input ends after \(size) bytes)"
        case let .trailingData(what, frameEnd, size):
            return "\(what): \(size - frameEnd) unexpected bytes after the end of the LZ4 frame (frame ends at byte \(frameEnd) of \(size))"
        case let .skippableFrame(what):
            return "\(what): input is an LZ4 skippable frame, not a data frame"
        case let .notFloats(what, byteCount):
            return "\(what): LZ4 payload of \(byteCount) bytes is not a whole number of Float32 values"
        }
    }
}

/// LZ4 frame format (the one the `lz4` command line tool reads and writes), one frame per
/// payload. Frames are written with 4 MB independent blocks, the content size in the
/// header and a content checksum (xxHash32 of the decoded bytes) at the end; see
/// docs/FORMATS.md. Reading verifies the header checksum, every block and the content
/// checksum, and bounds the output by `maxSize` before decoding anything.
public enum LZ4Frame {
    /// The most bytes one byte of a frame decodes to. LZ4's best case is a long match: after
    /// its token and offset, every further byte of the match length adds at most 255 bytes
    /// of output (literals and headers add less), so a frame of n bytes holds less than
    /// 255 n bytes. A declared content size beyond that is a damaged (or hostile) header,
    /// refused before the output buffer is allocated.
    public static let maxExpansion = 255

    /// Compresses `bytes` into one LZ4 frame. `level` 0 is LZ4's fast mode; 3...12 use
    /// LZ4HC (slower to write, same speed to read).
    public static func compress(_ bytes: [UInt8], level: Int = 0, what: String = "LZ4 payload") throws -> [UInt8] {
        try bytes.withUnsafeBytes { try compress(raw: $0, level: level, declareSize: true, what: what) }
    }

    /// Compresses `data` into one LZ4 frame (see `compress(_: [UInt8], ...)`).
    public static func compress(_ data: Data, level: Int = 0, what: String = "LZ4 payload") throws -> [UInt8] {
        try data.withUnsafeBytes { try compress(raw: $0, level: level, declareSize: true, what: what) }
    }

    /// Compresses Float32 values stored as little-endian bytes (4 per value).
    /// values: [n]
    public static func compress(floats values: [Float], level: Int = 0, what: String = "LZ4 payload") throws -> [UInt8] {
        try compress(littleEndianBytes(of: values), level: level, what: what)
    }

    /// Decodes one LZ4 frame that must span all of `frame`, producing at most `maxSize`
    /// bytes. A frame that declares a larger content size, or more than its own bytes can
    /// hold (`maxExpansion`), is rejected before decoding; one that declares none is stopped
    /// as soon as its output would pass `maxSize`.
    public static func decompress(_ frame: [UInt8], maxSize: Int, what: String = "LZ4 payload") throws -> [UInt8] {
        try frame.withUnsafeBytes { try decompress(raw: $0, maxSize: maxSize, what: what) }
    }

    /// Decodes one LZ4 frame held in `data` (see `decompress(_: [UInt8], ...)`).
    public static func decompress(_ data: Data, maxSize: Int, what: String = "LZ4 payload") throws -> [UInt8] {
        try data.withUnsafeBytes { try decompress(raw: $0, maxSize: maxSize, what: what) }
    }

    /// Decodes a frame written by `compress(floats:)` into at most `maxCount` values.
    /// returns: [n]
    public static func decompressFloats(_ frame: [UInt8], maxCount: Int, what: String = "LZ4 payload") throws -> [Float] {
        let (limit, overflow) = max(0, maxCount).multipliedReportingOverflow(by: 4)
        let bytes = try decompress(frame, maxSize: overflow ? Int.max : limit, what: what)
        guard bytes.count % 4 == 0 else { throw LZ4Error.notFloats(what: what, byteCount: bytes.count) }
        return floats(fromLittleEndian: bytes)
    }

    /// The content size a frame header declares (nil when it declares none), without
    /// decoding the frame.
    public static func declaredContentSize(_ frame: [UInt8], what: String = "LZ4 payload") throws -> UInt64? {
        try frame.withUnsafeBytes { raw in
            let ctx = try DecompressionContext(what: what)
            let info = try ctx.frameInfo(raw, consumed: nil, what: what)
            return info.contentSize == 0 ? nil : info.contentSize
        }
    }

    // MARK: - Implementation

    /// The settings every frame is written with (documented in docs/FORMATS.md).
    static func preferences(contentSize: Int, level: Int) -> LZ4F_preferences_t {
        var prefs = LZ4F_preferences_t()   // zero-initialized: all defaults, reserved = 0
        prefs.frameInfo.blockSizeID = LZ4F_max4MB
        prefs.frameInfo.blockMode = LZ4F_blockIndependent
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum
        prefs.frameInfo.contentSize = UInt64(contentSize)
        prefs.compressionLevel = Int32(clamping: level)
        return prefs
    }

    static func errorName(_ code: Int) -> String {
        guard let name = LZ4F_getErrorName(code) else { return "unknown LZ4F error \(code)" }
        return String(cString: name)
    }

    static func isError(_ code: Int) -> Bool { LZ4F_isError(code) != 0 }

    /// `declareSize: false` leaves the content size out of the header (tests use it to
    /// make frames like those of `lz4` without `--content-size`).
    static func compress(raw src: UnsafeRawBufferPointer, level: Int, declareSize: Bool, what: String) throws -> [UInt8] {
        var prefs = preferences(contentSize: declareSize ? src.count : 0, level: level)
        let bound = LZ4F_compressFrameBound(src.count, &prefs)
        if isError(bound) {
            throw LZ4Error.compressionFailed(what: what, reason: errorName(bound))
        }
        var out = [UInt8](repeating: 0, count: max(bound, 1))
        let written = out.withUnsafeMutableBytes { dst in
            LZ4F_compressFrame(dst.baseAddress, bound, src.baseAddress, src.count, &prefs)
        }
        if isError(written) {
            throw LZ4Error.compressionFailed(what: what, reason: errorName(written))
        }
        return Array(out.prefix(written))
    }

    /// Owns one LZ4F decompression context for the duration of a call.
    final class DecompressionContext {
        let dctx: OpaquePointer

        init(what: String) throws {
            var ptr: OpaquePointer?
            let code = LZ4F_createDecompressionContext(&ptr, UInt32(LZ4F_VERSION))
            guard !LZ4Frame.isError(code), let ptr else {
                throw LZ4Error.corrupt(what: what, reason: "cannot create LZ4F context: \(LZ4Frame.errorName(code))", offset: 0)
            }
            dctx = ptr
        }

        deinit { _ = LZ4F_freeDecompressionContext(dctx) }

        /// Reads the frame header at the start of `src`; `consumed` receives its length.
        func frameInfo(_ src: UnsafeRawBufferPointer, consumed: UnsafeMutablePointer<Int>?, what: String) throws -> LZ4F_frameInfo_t {
            var info = LZ4F_frameInfo_t()
            var srcSize = src.count
            // A frame header is at least 7 bytes; liblz4 asks for more without an error
            // code when given fewer, so say "truncated" here.
            if src.count < 7 {
                if src.count >= 4, let base = src.baseAddress {
                    let magic = base.loadUnaligned(as: UInt32.self).littleEndian
                    if magic != 0x184D_2204 && magic & 0xFFFF_FFF0 != 0x184D_2A50 {
                        throw LZ4Error.corrupt(what: what, reason: "not an LZ4 frame (bad magic number)", offset: 0)
                    }
                }
                throw LZ4Error.truncated(what: what, size: src.count)
            }
            let code = LZ4F_getFrameInfo(dctx, &info, src.baseAddress, &srcSize)
            if LZ4Frame.isError(code) {
                let name = LZ4Frame.errorName(code)
                if name.contains("frameHeader_incomplete") || name.contains("srcSize_tooSmall") {
                    throw LZ4Error.truncated(what: what, size: src.count)
                }
                throw LZ4Error.corrupt(what: what, reason: name, offset: 0)
            }
            if info.frameType == LZ4F_skippableFrame { throw LZ4Error.skippableFrame(what: what) }
            consumed?.pointee = srcSize
            return info
        }
    }

    static func decompress(raw src: UnsafeRawBufferPointer, maxSize: Int, what: String) throws -> [UInt8] {
        let limit = max(0, maxSize)
        let ctx = try DecompressionContext(what: what)
        var consumed = 0
        let info = try ctx.frameInfo(src, consumed: &consumed, what: what)
        if info.contentSize > UInt64(limit) {
            throw LZ4Error.declaredSizeTooLarge(what: what, declared: info.contentSize, limit: limit)
        }
        let (holdable, overflow) = src.count.multipliedReportingOverflow(by: maxExpansion)
        if !overflow && info.contentSize > UInt64(holdable) {
            throw LZ4Error.declaredSizeBeyondFrame(what: what, declared: info.contentSize, frameSize: src.count)
        }
        // With a declared size the output buffer is exactly that large; otherwise it
        // starts small and doubles, never past the limit.
        var capacity: Int
        if info.contentSize > 0 {
            capacity = Int(info.contentSize)
        } else {
            let (guess, overflow) = src.count.multipliedReportingOverflow(by: 4)
            capacity = min(limit, max(65_536, overflow ? Int.max : guess))
        }
        var out = [UInt8](repeating: 0, count: max(capacity, 1))
        var produced = 0
        while true {
            if produced == capacity && capacity < limit {
                capacity = capacity > limit / 2 ? limit : max(2 * capacity, 65_536)
                capacity = min(capacity, limit)
                out.append(contentsOf: repeatElement(0, count: max(capacity, 1) - out.count))
            }
            var dstSize = capacity - produced
            var srcSize = src.count - consumed
            let hint = out.withUnsafeMutableBytes { dst in
                LZ4F_decompress(ctx.dctx, dst.baseAddress.map { $0 + produced }, &dstSize,
                                src.baseAddress.map { $0 + consumed }, &srcSize, nil)
            }
            if isError(hint) {
                throw LZ4Error.corrupt(what: what, reason: errorName(hint), offset: consumed)
            }
            produced += dstSize
            consumed += srcSize
            if hint == 0 { break }   // frame complete, content checksum verified
            if dstSize == 0 && srcSize == 0 {
                // No progress: either the output is full at the limit or the input ran out.
                if produced == capacity && capacity >= limit {
                    throw LZ4Error.outputTooLarge(what: what, limit: limit)
                }
                if consumed == src.count { throw LZ4Error.truncated(what: what, size: src.count) }
                throw LZ4Error.corrupt(what: what, reason: "decoder made no progress", offset: consumed)
            }
        }
        if consumed != src.count {
            throw LZ4Error.trailingData(what: what, frameEnd: consumed, size: src.count)
        }
        out.removeSubrange(produced...)
        return out
    }

    /// values: [n] -> 4n bytes, least significant byte first.
    static func littleEndianBytes(of values: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        for (i, v) in values.enumerated() {
            let bits = v.bitPattern
            bytes[4 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
        return bytes
    }

    /// 4n little-endian bytes -> values: [n].
    static func floats(fromLittleEndian bytes: [UInt8]) -> [Float] {
        let n = bytes.count / 4
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let bits = UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8
                | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
            values[i] = Float(bitPattern: bits)
        }
        return values
    }
}
