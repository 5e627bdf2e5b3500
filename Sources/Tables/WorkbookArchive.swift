import Formats
import Foundation

/// The .xlsx file as a ZIP archive of parts (`ZIPDirectory`), each read in full but refused
/// past a size limit (a small file can inflate to gigabytes: a "ZIP bomb"). The file is
/// mapped, not read: only the parts asked for are touched. Deflated parts are inflated by
/// `Deflate.inflateRaw` from exactly their bytes, so damaged data ends in an error: the ZIP
/// library this used before (ZIPFoundation 0.9.20) loops without end on Linux when a deflate
/// stream runs to the end of the file without its last block (fuzz/reproducers/FuzzSpreadsheet).
struct WorkbookArchive {
    private let file: Data
    /// Entries by lowercased name: OPC part names compare case-insensitively, and producers
    /// do not always write a relationship's target in the case of the ZIP entry.
    private let entries: [String: ZIPDirectory.Entry]
    private let partSizeLimit: Int

    init(path: String, partSizeLimit: Int) throws(Unreadable) {
        try Self.checkSignature(path)
        do {
            file = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw Unreadable("cannot read: \(error.localizedDescription)")
        }
        let directory = try file.withUnsafeBytes { bytes in Result { () throws(Unreadable) in try ZIPDirectory(bytes) } }.get()
        var entries: [String: ZIPDirectory.Entry] = [:]
        for entry in directory.entries where entries[entry.name.lowercased()] == nil {
            entries[entry.name.lowercased()] = entry
        }
        self.entries = entries
        self.partSizeLimit = partSizeLimit
    }

    /// The decompressed bytes of `part`, or nil when the archive has no such entry.
    func read(_ part: String) throws(Unreadable) -> Data? {
        guard let entry = entries[part.lowercased()] else { return nil }
        if entry.uncompressedSize > UInt64(partSizeLimit) {
            throw Unreadable("\(part) would decompress to \(entry.uncompressedSize) bytes, more than the limit of \(partSizeLimit) for one part (a ZIP bomb?)")
        }
        return try file.withUnsafeBytes { all in Result { () throws(Unreadable) in try Self.inflate(entry, part, in: all, limit: partSizeLimit) } }.get()
    }

    /// The bytes of `entry` (the part `part`) in `all`, the whole file.
    private static func inflate(_ entry: ZIPDirectory.Entry, _ part: String, in all: UnsafeRawBufferPointer,
                                limit: Int) throws(Unreadable) -> Data {
        let range = try ZIPDirectory.dataRange(of: entry, in: all)
        let stored = UnsafeRawBufferPointer(rebasing: all[range])
        // The sizes in the ZIP's headers are the writer's word: count what inflates.
        let bytes: [UInt8]
        switch entry.method {
        case 0:
            guard stored.count <= limit else { throw Self.tooLarge(part, limit) }
            bytes = Array(stored)
        case 8:
            do { bytes = try Deflate.inflateRaw(stored, maxSize: limit) } catch {
                if case .tooLarge = error { throw Self.tooLarge(part, limit) }
                throw Unreadable("\(part) cannot be decompressed (\(error))")
            }
        default:
            throw Unreadable("\(part) is compressed with a method other than deflate")
        }
        guard bytes.withUnsafeBytes({ Deflate.crc32($0) }) == entry.crc32 else {
            throw Unreadable("\(part) is damaged (its CRC-32 does not match)")
        }
        return Data(bytes)
    }

    private static func tooLarge(_ part: String, _ limit: Int) -> Unreadable {
        Unreadable("\(part) decompresses to more than the limit of \(limit) bytes for one part (a ZIP bomb?)")
    }

    /// Tells an .xlsx (a ZIP) from the files people mistake for one, by their first bytes.
    private static func checkSignature(_ path: String) throws(Unreadable) {
        guard let file = fopen(path, "rb") else { throw Unreadable("cannot open: \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 8)
        let count = fread(&head, 1, 8, file)
        head.removeLast(8 - count)
        if ferror(file) != 0 { throw Unreadable("cannot read: \(String(cString: strerror(errno)))") }
        if head == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            throw Unreadable(".xls (Excel 97-2003) files are not supported: save it as .xlsx (this is an OLE compound file: an .xls, or an .xlsx saved with a password)")
        }
        // A local file header, or the end record of an empty archive.
        guard head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) else {
            throw Unreadable("not a ZIP archive (an .xlsx file is one)")
        }
    }
}
