import Foundation

/// The central directory of a ZIP archive held in memory (PKWARE's APPNOTE: the end record,
/// its ZIP64 form, the central file headers, the local headers): where each entry's data
/// lies, its compression method, sizes and CRC-32. Every offset and size is checked
/// against the bytes present before it is used; nothing is allocated by a declared size.
struct ZIPDirectory {
    struct Entry {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    let entries: [Entry]

    init(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) {
        func damaged(_ why: String) -> Unreadable { Unreadable("a damaged or cut-short ZIP archive (\(why))") }
        let r = Bytes(bytes)
        // The end of central directory record: 22 bytes and a comment of at most 65535, at the end.
        guard bytes.count >= 22 else { throw damaged("shorter than an end of central directory record") }
        var end = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while r.u32(end) != 0x0605_4B50 {
            guard end > lowest else { throw damaged("no end of central directory record") }
            end -= 1
        }
        var count = UInt64(r.u16(end + 10)), size = UInt64(r.u32(end + 12)), offset = UInt64(r.u32(end + 16))
        var directoryEnd = UInt64(end)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF, end >= 20, r.u32(end - 20) == 0x0706_4B50 {
            // ZIP64: the locator (20 bytes before the end record) points to the ZIP64 end record.
            let record = r.u64(end - 20 + 8)
            guard record <= UInt64(end - 20), UInt64(end - 20) - record >= 56, r.u32(Int(record)) == 0x0606_4B50 else {
                throw damaged("the ZIP64 end of central directory record is not where its locator says")
            }
            count = r.u64(Int(record) + 32); size = r.u64(Int(record) + 40); offset = r.u64(Int(record) + 48)
            directoryEnd = record
        }
        guard offset <= directoryEnd, size <= directoryEnd - offset else {
            throw damaged("the central directory (\(size) bytes at \(offset)) is not inside the file")
        }
        // Each central file header takes 46 bytes at the least: the count is trusted that far.
        guard count <= size / 46 else { throw damaged("\(count) entries do not fit in a central directory of \(size) bytes") }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        var at = Int(offset)
        let stop = Int(offset + size)
        for index in 0..<Int(count) {
            guard stop - at >= 46, r.u32(at) == 0x0201_4B50 else { throw damaged("central file header \(index + 1) is missing") }
            let nameLength = Int(r.u16(at + 28)), extraLength = Int(r.u16(at + 30)), commentLength = Int(r.u16(at + 32))
            guard stop - at - 46 >= nameLength + extraLength + commentLength else {
                throw damaged("central file header \(index + 1) reaches past the central directory")
            }
            var entry = Entry(name: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(at + 46)..<(at + 46 + nameLength)]), as: UTF8.self),
                              method: r.u16(at + 10), crc32: r.u32(at + 16), compressedSize: UInt64(r.u32(at + 20)),
                              uncompressedSize: UInt64(r.u32(at + 24)), localHeaderOffset: UInt64(r.u32(at + 42)))
            // ZIP64 extended information (header id 1): the 64-bit value of each field that is
            // 0xFFFFFFFF above, in this order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extraEnd - extra >= 4 {
                let id = r.u16(extra), length = Int(r.u16(extra + 2))
                guard extraEnd - extra - 4 >= length else { break }
                if id == 1 {
                    var field = extra + 4
                    func wide(_ value: inout UInt64) {
                        guard value == 0xFFFF_FFFF, extra + 4 + length - field >= 8 else { return }
                        value = r.u64(field); field += 8
                    }
                    wide(&entry.uncompressedSize); wide(&entry.compressedSize); wide(&entry.localHeaderOffset)
                }
                extra += 4 + length
            }
            entries.append(entry)
            at += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// Where `entry`'s data lies in `bytes`: after its local header, which must be there.
    static func dataRange(of entry: Entry, in bytes: UnsafeRawBufferPointer) throws(Unreadable) -> Range<Int> {
        let r = Bytes(bytes)
        let size = UInt64(bytes.count)
        guard entry.localHeaderOffset <= size, size - entry.localHeaderOffset >= 30,
              r.u32(Int(entry.localHeaderOffset)) == 0x0403_4B50 else {
            throw Unreadable("\(entry.name) is damaged (no local header where the central directory says)")
        }
        let header = Int(entry.localHeaderOffset)
        let start = UInt64(header + 30 + Int(r.u16(header + 26)) + Int(r.u16(header + 28)))
        guard start <= size, entry.compressedSize <= size - start else {
            throw Unreadable("\(entry.name) is cut short (its \(entry.compressedSize) bytes of data reach past the end of the file)")
        }
        return Int(start)..<Int(start + entry.compressedSize)
    }

    /// Little-endian integers at offsets the caller has checked.
    private struct Bytes {
        let bytes: UnsafeRawBufferPointer
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
    }
}
