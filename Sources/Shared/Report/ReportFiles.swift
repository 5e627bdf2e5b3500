import Foundation

/// File I/O of the report writers: folders, atomic writes, and versioned JSON.
enum ReportFiles {
    static func makeFolder(_ url: URL) throws(ReportError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Writes through a temporary file renamed into place.
    static func write(_ text: String, to url: URL) throws(ReportError) {
        try write(Array(text.utf8), to: url)
    }

    static func write(_ bytes: [UInt8], to url: URL) throws(ReportError) {
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .cannotWrite(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Pretty-printed JSON with sorted keys, so files diff well.
    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws(ReportError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let text: String
        do {
            text = String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        } catch {
            throw .cannotWrite(file: url.path, reason: "JSON encoding failed: \(error)")
        }
        try write(text, to: url)
    }

    /// The `format` and `version` every report JSON file starts with.
    struct Header: Decodable { let format: String; let version: Int }

    /// Reads a JSON file of `format`, refusing other formats and versions it does not know.
    static func readJSON<T: Decodable>(_ type: T.Type, from url: URL, format: String, versions: ClosedRange<Int>) throws(ReportError) -> T {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .cannotRead(file: url.path, reason: error.localizedDescription)
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw .cannotRead(file: url.path, reason: "not a \(format) JSON file: \(error)")
        }
        guard header.format == format else {
            throw .cannotRead(file: url.path, reason: "format is \"\(header.format)\", expected \"\(format)\"")
        }
        guard versions.contains(header.version) else {
            throw .cannotRead(file: url.path, reason: "\(format) version \(header.version) is not supported (this build reads \(versions))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .cannotRead(file: url.path, reason: "malformed \(format) file: \(error)")
        }
    }
}
