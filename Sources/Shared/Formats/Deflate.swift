internal import CZlibInflate
import Foundation

/// Why a raw deflate stream could not be inflated.
public enum InflateError: Error, CustomStringConvertible, Equatable {
    /// zlib found the stream invalid; `message` is zlib's.
    case corrupt(message: String)
    /// The input ends before the stream's last block does.
    case truncated
    /// The stream inflates to more than `limit` bytes.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case let .corrupt(message): return "invalid deflate data (zlib: \(message))"
        case .truncated: return "the deflate data ends before its last block"
        case let .tooLarge(limit): return "inflates to more than \(limit) bytes"
        }
    }
}

/// Raw deflate streams (RFC 1951, no zlib or gzip wrapper: the data of a ZIP entry),
/// through zlib.
public enum Deflate {
    /// The stream at the start of `input`, inflated to at most `maxSize` bytes. All of its
    /// input is `input`: one that ends before the stream's last block is `truncated` (the
    /// loop never waits for more, and never reads past `input`). Bytes after the stream's end
    /// are ignored.
    public static func inflateRaw(_ input: UnsafeRawBufferPointer, maxSize: Int) throws(InflateError) -> [UInt8] {
        let limit = max(0, maxSize)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt(message: "cannot initialize the inflater")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: min(limit + 1, max(65_536, input.count * 4)))
        var produced = 0
        var fed = 0
        while true {
            // zlib counts in UInt32: hand the input over in pieces of at most 1 GiB.
            if stream.avail_in == 0 && fed < input.count {
                let piece = min(input.count - fed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: fed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = UInt32(piece)
                fed += piece
            }
            if produced == out.count {
                // Room for one byte past the limit, so that passing it is seen.
                guard out.count <= limit else { throw .tooLarge(limit: limit) }
                out.append(contentsOf: repeatElement(0, count: min(limit + 1, 2 * out.count) - out.count))
            }
            let room = out.count - produced
            let (result, wrote) = out.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                stream.next_out = buffer.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = UInt32(min(room, 1 << 30))
                let before = stream.avail_out
                let result = inflate(&stream, Z_NO_FLUSH)
                return (result, Int(before - stream.avail_out))
            }
            produced += wrote
            if produced > limit { throw .tooLarge(limit: limit) }
            switch result {
            case Z_STREAM_END:
                out.removeSubrange(produced...)
                return out
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: out of input, or out of room (which the top of the
                // loop makes); anything else would loop.
                if stream.avail_in == 0 && fed == input.count { throw .truncated }
                if stream.avail_in != 0 && stream.avail_out != 0 { throw .corrupt(message: "no progress") }
            default:
                throw .corrupt(message: stream.msg.map { String(cString: $0) } ?? "error \(result)")
            }
        }
    }

    /// The CRC-32 (ISO-HDLC, as ZIP and gzip store it) of `bytes`.
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlibInflate.crc32(0, nil, 0)
        var done = 0
        while done < bytes.count {
            let piece = min(bytes.count - done, 1 << 30)
            crc = CZlibInflate.crc32(crc, bytes.baseAddress!.advanced(by: done).assumingMemoryBound(to: Bytef.self), uInt(piece))
            done += piece
        }
        return UInt32(crc)
    }
}
