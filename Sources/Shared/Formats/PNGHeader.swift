import Foundation

/// The size a PNG file declares in its IHDR chunk, read from its first 24 bytes without
/// decoding: enough to check that a mask matches its image while scanning a dataset.
public enum PNGHeader {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// Why the header could not be read: the file and the reason (the dataset scan turns it
    /// into `DatasetError.unreadable` with the same two strings).
    public struct Unreadable: Error, Equatable, Sendable {
        public let file: String
        public let reason: String
    }

    /// (width, height) of the PNG at `path`, or `Unreadable` naming it.
    public static func size(of path: String) throws(Unreadable) -> (width: Int, height: Int) {
        let bytes: [UInt8]
        do {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw Unreadable(file: path, reason: FileManager.default.fileExists(atPath: path)
                                 ? "permission denied" : "no such file")
            }
            defer { try? handle.close() }
            bytes = [UInt8](try handle.read(upToCount: 24) ?? Data())
        } catch let e as Unreadable {
            throw e
        } catch {
            throw Unreadable(file: path, reason: error.localizedDescription)
        }
        guard bytes.count == 24, bytes.prefix(8).elementsEqual(signature) else {
            throw Unreadable(file: path, reason: "not a PNG file")
        }
        guard bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else {
            throw Unreadable(file: path, reason: "not a PNG file (no IHDR chunk first)")
        }
        func u32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let width = u32(16), height = u32(20)
        guard width > 0, height > 0 else {
            throw Unreadable(file: path, reason: "PNG declares size \(width)x\(height)")
        }
        return (width, height)
    }
}
