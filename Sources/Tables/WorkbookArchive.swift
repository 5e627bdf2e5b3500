import Foundation
import ZIPFoundation

/// The .xlsx file as a ZIP archive of parts, each read in full but refused past a size limit
/// (a small file can inflate to gigabytes: a "ZIP bomb").
struct WorkbookArchive {
    private let archive: Archive
    /// Entries by lowercased name: OPC part names compare case-insensitively, and producers
    /// do not always write a relationship's target in the case of the ZIP entry.
    private let entries: [String: Entry]
    private let partSizeLimit: Int

    init(path: String, partSizeLimit: Int) throws(Unreadable) {
        try Self.checkSignature(path)
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw Unreadable("a damaged or cut-short ZIP archive (ZIPFoundation: \(error))")
        }
        var entries: [String: Entry] = [:]
        for entry in archive where entries[entry.path.lowercased()] == nil {
            entries[entry.path.lowercased()] = entry
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
        var data = Data(capacity: Int(entry.uncompressedSize))
        do {
            // The sizes in the ZIP's headers are the writer's word: count what inflates.
            _ = try archive.extract(entry) { chunk in
                guard data.count + chunk.count <= partSizeLimit else { throw PartTooLarge() }
                data.append(chunk)
            }
        } catch is PartTooLarge {
            throw Unreadable("\(part) decompresses to more than the limit of \(partSizeLimit) bytes for one part (a ZIP bomb?)")
        } catch Archive.ArchiveError.invalidCRC32 {
            throw Unreadable("\(part) is damaged (its CRC-32 does not match)")
        } catch Archive.ArchiveError.invalidCompressionMethod {
            throw Unreadable("\(part) is compressed with a method other than deflate")
        } catch {
            throw Unreadable("\(part) cannot be decompressed (ZIPFoundation: \(error))")
        }
        return data
    }

    private struct PartTooLarge: Error {}

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
