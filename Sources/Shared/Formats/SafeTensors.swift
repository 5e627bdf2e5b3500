import Foundation
import Math
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A validated, memory-mapped safetensors file.
///
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (`{"__metadata__": {str: str}, "NAME": {"dtype": "F32", "shape": [..],
/// "data_offsets": [begin, end]}, ...}`), then the data section; offsets are relative to
/// its first byte. Opening checks the whole header (types, sizes, bounds, overlaps), so the
/// reads afterwards cannot go out of bounds. The mapping lives as long as the reader (and
/// any copy of it); tensors are copied out of it on read.
public struct SafeTensorsReader: Sendable {
    /// Headers longer than this are rejected as corrupt (the largest real ones are ~1 MB).
    public static let maxHeaderLength = 100_000_000
    /// JSON numbers above this are not trusted to be exact integers.
    static let maxJSONInteger: Int64 = 1 << 53

    /// The path (or given name) used in errors.
    public let file: String
    /// The `__metadata__` map (empty when absent or null).
    public let metadata: [String: String]
    /// Tensor names, sorted by their UTF-8 bytes.
    public let names: [String]
    private let entryByName: [String: SafeTensorsEntry]
    private let bytes: Data
    /// Offset of the data section from the start of `bytes`.
    private let dataStart: Int
    /// Whether `file` is a path whose bytes `bytes` maps (see `tensorReadingFile`).
    private var fromFile: Bool

    /// Maps the file at `url` read-only and validates its header.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let mapped: Data
        do {
            mapped = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        try self.init(bytes: mapped, file: url.path)
        fromFile = true
    }

    /// Validates a safetensors file held in memory; `file` names it in errors.
    public init(bytes: Data, file: String) throws(SafeTensorsError) {
        let bytes = bytes.startIndex == 0 ? bytes : Data(bytes)
        guard bytes.count >= 8 else { throw .fileTooShort(file: file, size: bytes.count) }
        var headerLength: UInt64 = 0
        for i in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(bytes[i]) }
        guard headerLength <= UInt64(Self.maxHeaderLength) else {
            throw .headerTooLarge(file: file, headerLength: headerLength, limit: Self.maxHeaderLength)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .headerBeyondFile(file: file, headerLength: headerLength, fileSize: bytes.count)
        }
        let dataStart = 8 + Int(headerLength)
        let header = try Self.parseHeader(bytes[8..<dataStart], file: file)

        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"], !(meta is NSNull) {
            guard let map = meta as? [String: Any] else {
                throw .invalidMetadata(file: file, key: nil, reason: "not an object")
            }
            for (key, value) in map {
                guard let text = value as? String else {
                    throw .invalidMetadata(file: file, key: key, reason: "value is not a string")
                }
                metadata[key] = text
            }
        }

        let names = header.keys.filter { $0 != "__metadata__" }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let dataSize = bytes.count - dataStart
        var entries: [String: SafeTensorsEntry] = [:]
        for name in names {
            entries[name] = try Self.parseEntry(header[name] as Any, name: name, dataSize: dataSize,
                                                file: file)
        }
        try Self.checkOverlaps(names.compactMap { entries[$0] }, file: file)
        if let expected = metadata[SafeTensorsWriter.checksumKey] {
            let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[dataStart...])) }
            guard expected == Self.hex(actual) else {
                throw .checksumMismatch(file: file, expected: expected, actual: Self.hex(actual))
            }
        }

        self.file = file
        self.metadata = metadata
        self.names = names
        self.entryByName = entries
        self.bytes = bytes
        self.dataStart = dataStart
        self.fromFile = false
    }

    /// A CRC as the `crc32c` metadata writes it: 8 lowercase hex digits.
    static func hex(_ crc: UInt32) -> String { hexDigits(UInt64(crc), count: 8) }

    /// The bytes of the data section (what follows the header): every tensor lies in them.
    public var dataSize: Int { bytes.count - dataStart }

    /// Whether the file holds a tensor called `name`.
    public func contains(_ name: String) -> Bool { entryByName[name] != nil }

    /// The header entry of `name` (dtype, shape, offsets).
    public func entry(_ name: String) throws(SafeTensorsError) -> SafeTensorsEntry {
        guard let entry = entryByName[name] else {
            throw .tensorNotFound(file: file, tensor: name, available: Array(names.prefix(10)),
                                  total: names.count)
        }
        return entry
    }

    /// All entries, in `names` order.
    public var entries: [SafeTensorsEntry] { names.compactMap { entryByName[$0] } }

    /// Like `tensor(_:)`, but the bytes come from a read of the file rather than through
    /// the mapping, so the mapping's pages are never touched. Pages touched through the
    /// mapping stay resident for as long as the reader lives; a loader that converts a
    /// large checkpoint tensor by tensor uses this to hold each value once, not twice.
    /// Readers made from bytes in memory read from those bytes.
    /// Float32 tensors (on little-endian hosts) are read straight into the tensor's storage,
    /// with no buffer between: a buffer of each tensor's size, freed after every tensor, is
    /// what grows glibc's heap past the weights (its mmap threshold rises to the largest
    /// freed block, and later blocks come from a heap that is not given back).
    public func tensorReadingFile(_ name: String) throws(SafeTensorsError) -> Tensor {
        guard fromFile else { return try tensor(name) }
        let entry = try entry(name)
        #if _endian(little)
        if entry.dtype == .f32 { return Tensor(shape: entry.shape, data: try readFloats(entry)) }
        #endif
        let chunk: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(dataStart + entry.dataOffsets.lowerBound))
            chunk = try handle.read(upToCount: entry.dataOffsets.count) ?? Data()
        } catch {
            throw .unreadable(file: file, reason: "reading tensor \"\(name)\": \(error.localizedDescription)")
        }
        guard chunk.count == entry.dataOffsets.count else {
            throw .unreadable(file: file, reason: "tensor \"\(name)\": file changed while open (short read)")
        }
        let local = SafeTensorsEntry(name: entry.name, dtype: entry.dtype, shape: entry.shape,
                                     elementCount: entry.elementCount, dataOffsets: 0..<chunk.count)
        let reader = SafeTensorsReader(file: file, entry: local, bytes: chunk.startIndex == 0 ? chunk : Data(chunk))
        return try reader.tensor(name)
    }

    /// An F32 entry's values, read from the file into a new array.
    private func readFloats(_ entry: SafeTensorsEntry) throws(SafeTensorsError) -> [Float] {
        let count = entry.elementCount, offset = dataStart + entry.dataOffsets.lowerBound
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else {
            throw .unreadable(file: file, reason: "reading tensor \"\(entry.name)\": \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var failure: String?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var done = 0
            while done < raw.count {
                let n = pread(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = n < 0 ? String(cString: strerror(errno)) : "file changed while open (short read)"
                    break
                }
                done += n
            }
            // On failure the values are never used; the array must still be initialized.
            if failure != nil { raw.initializeMemory(as: UInt8.self, repeating: 0) }
            initialized = count
        }
        if let failure { throw .unreadable(file: file, reason: "tensor \"\(entry.name)\": \(failure)") }
        return values
    }

    /// A reader over one tensor's bytes (for `tensorReadingFile`).
    private init(file: String, entry: SafeTensorsEntry, bytes: Data) {
        self.file = file
        self.metadata = [:]
        self.names = [entry.name]
        self.entryByName = [entry.name: entry]
        self.bytes = bytes
        self.dataStart = 0
        self.fromFile = false
    }

    /// Tensor `name` as Float32, shape as stored. F16 and BF16 convert exactly; I32 and I64
    /// round to the nearest Float. Other dtypes throw `unsupportedDType`.
    public func tensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        let entry = try entry(name)
        let values: [Float]
        switch entry.dtype {
        case .f32: values = Self.copyOut(bytes, entry, from: dataStart) { Float(bitPattern: $0) }
        case .f16: values = HalfFloat.floats(of: Self.halfBits(bytes, entry, from: dataStart))
        case .bf16: values = Self.mapOut(bytes, entry, from: dataStart) { (v: UInt16) in Float(bitPattern: UInt32(v) << 16) }
        case .i32: values = Self.mapOut(bytes, entry, from: dataStart) { (v: UInt32) in Float(Int32(bitPattern: v)) }
        case .i64: values = Self.mapOut(bytes, entry, from: dataStart) { (v: UInt64) in Float(Int64(bitPattern: v)) }
        default:
            throw .unsupportedDType(file: file, tensor: name, dtype: entry.dtype, requested: "Float32")
        }
        return Tensor(shape: entry.shape, data: values)
    }

    /// An F16 tensor's values as half bit patterns, unconverted (features stored as float16
    /// stay so in memory). Other dtypes throw `unsupportedDType`.
    public func float16Bits(_ name: String) throws(SafeTensorsError) -> (shape: [Int], bits: [UInt16]) {
        let entry = try entry(name)
        guard entry.dtype == .f16 else { throw .unsupportedDType(file: file, tensor: name, dtype: entry.dtype, requested: "F16 bits") }
        return (entry.shape, Self.halfBits(bytes, entry, from: dataStart))
    }

    /// Tensor `name` split along its first dimension, each part copied straight from the
    /// file (one copy, not two): for per-query features stored as [Q, ...].
    public func slices(_ name: String) throws(SafeTensorsError) -> [Tensor] {
        let entry = try entry(name)
        guard let count = entry.shape.first, count > 0 else { return [] }
        let inner = Array(entry.shape.dropFirst())
        let per = inner.reduce(1, *)
        #if _endian(little)
        if entry.dtype == .f32 {
            let begin = dataStart + entry.dataOffsets.lowerBound
            return bytes.withUnsafeBytes { all in
                (0..<count).map { i in
                    let range = (begin + i * per * 4)..<(begin + (i + 1) * per * 4)
                    let values = [Float](unsafeUninitializedCapacity: per) { buffer, n in
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: all[range]))
                        n = per
                    }
                    return Tensor(shape: inner, data: values)
                }
            }
        }
        #endif
        let whole = try tensor(name)
        return (0..<count).map { whole.slice($0) }
    }

    /// Tensor `name` as Int32: I32 as stored, I64 when every value fits (else
    /// `valueOutOfRange`). Float dtypes throw `unsupportedDType`.
    public func int32Tensor(_ name: String) throws(SafeTensorsError) -> (shape: [Int], values: [Int32]) {
        let entry = try entry(name)
        switch entry.dtype {
        case .i32:
            return (entry.shape, Self.copyOut(bytes, entry, from: dataStart) { Int32(bitPattern: $0) })
        case .i64:
            let wide: [Int64] = Self.mapOut(bytes, entry, from: dataStart) { (v: UInt64) in Int64(bitPattern: v) }
            var values = [Int32]()
            values.reserveCapacity(wide.count)
            for (index, value) in wide.enumerated() {
                guard let narrow = Int32(exactly: value) else {
                    throw .valueOutOfRange(file: file, tensor: name, index: index, value: value)
                }
                values.append(narrow)
            }
            return (entry.shape, values)
        default:
            throw .unsupportedDType(file: file, tensor: name, dtype: entry.dtype, requested: "Int32")
        }
    }

    // MARK: - Conversion

    /// An F16 tensor's half bit patterns as stored (copied as they are on a little-endian host).
    private static func halfBits(_ bytes: Data, _ entry: SafeTensorsEntry, from dataStart: Int) -> [UInt16] {
        #if _endian(little)
        let begin = dataStart + entry.dataOffsets.lowerBound
        let range = begin..<(begin + entry.elementCount * 2)
        return bytes.withUnsafeBytes { all in
            [UInt16](unsafeUninitializedCapacity: entry.elementCount) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: all[range]))
                count = entry.elementCount
            }
        }
        #else
        return mapOut(bytes, entry, from: dataStart) { (v: UInt16) in v }
        #endif
    }

    /// A 4-byte-element tensor (F32 as Float, I32 as Int32) copied as stored on a
    /// little-endian host; elsewhere each element goes through `convert`.
    private static func copyOut<T: BitwiseCopyable>(
        _ bytes: Data, _ entry: SafeTensorsEntry, from dataStart: Int, orConvert convert: (UInt32) -> T
    ) -> [T] {
        #if _endian(little)
        let begin = dataStart + entry.dataOffsets.lowerBound
        let range = begin..<(begin + entry.elementCount * MemoryLayout<T>.size)
        return bytes.withUnsafeBytes { all in
            [T](unsafeUninitializedCapacity: entry.elementCount) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: all[range]))
                count = entry.elementCount
            }
        }
        #else
        return mapOut(bytes, entry, from: dataStart, convert)
        #endif
    }

    /// Loads each little-endian element of type `Raw` and converts it with `convert`.
    private static func mapOut<Raw: FixedWidthInteger, T>(
        _ bytes: Data, _ entry: SafeTensorsEntry, from dataStart: Int, _ convert: (Raw) -> T
    ) -> [T] {
        let begin = dataStart + entry.dataOffsets.lowerBound
        let width = MemoryLayout<Raw>.size
        return bytes.withUnsafeBytes { all in
            (0..<entry.elementCount).map { i in
                convert(Raw(littleEndian: all.loadUnaligned(fromByteOffset: begin + i * width, as: Raw.self)))
            }
        }
    }
}
