internal import CZlibInflate
import Foundation

/// Why a gzip file could not be read; every case names the file.
public enum GzipError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(file: String, reason: String)
    /// zlib reported an error (corrupt or truncated stream); `message` is zlib's.
    case corrupt(file: String, message: String)
    /// The decompressed data would exceed `limit` bytes.
    case tooLarge(file: String, limit: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): return "\(file): cannot open: \(reason)"
        case let .corrupt(file, message): return "\(file): not a readable gzip file: zlib: \(message)"
        case let .tooLarge(file, limit): return "\(file): decompresses to more than \(limit) bytes"
        }
    }
}

/// Reading gzip files through zlib's gzFile API (a file that is not gzip-compressed is
/// read as it is, which is zlib's behaviour too).
public enum Gzip {
    /// The decompressed bytes of the file at `path`, at most `maxSize` of them.
    public static func readFile(_ path: String, maxSize: Int = 1 << 30) throws(GzipError) -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw .cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if got < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "error \(code)"
                throw .corrupt(file: path, message: message)
            }
            if got == 0 { break }
            if out.count + Int(got) > maxSize { throw .tooLarge(file: path, limit: maxSize) }
            out.append(contentsOf: chunk[0..<Int(got)])
        }
        // gzread returns 0 both at the end and for a stream cut short; ask which.
        var code: Int32 = 0
        if let text = gzerror(file, &code), code != Z_OK && code != Z_STREAM_END {
            throw .corrupt(file: path, message: String(cString: text))
        }
        return out
    }
}
