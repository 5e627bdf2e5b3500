import Foundation

/// A syntax error in CSV text, at a 1-based line.
public struct CSVSyntaxError: Error, Sendable {
    public var line: Int
    public var reason: String
}

/// One CSV record and the line it starts on (1-based; quoted fields may span lines).
public struct CSVRecord: Sendable {
    public var line: Int
    public var fields: [String]
}

/// RFC 4180 CSV: fields separated by commas (or `separator`: BUS-UCLM's INFO.csv uses
/// semicolons), records by LF or CRLF, fields with a separator, quote or line break
/// enclosed in double quotes with inner quotes doubled. A UTF-8 byte order mark at the
/// start is skipped; blank lines are skipped.
public enum CSV {
    public static func parse(_ text: String, separator: Unicode.Scalar = ",") throws(CSVSyntaxError) -> [CSVRecord] {
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var inQuotes = false, wasQuoted = false
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) {
                records.append(CSVRecord(line: recordLine, fields: fields))
            }
            fields = []; field = ""; wasQuoted = false
        }

        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" {
                        field.unicodeScalars.append(c); i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"":
                    guard field.isEmpty, !wasQuoted else {
                        throw CSVSyntaxError(line: line, reason: "a quote inside an unquoted field (quote the whole field and double inner quotes)")
                    }
                    inQuotes = true; wasQuoted = true
                case separator:
                    fields.append(field); field = ""; wasQuoted = false
                case "\r" where i + 1 < chars.count && chars[i + 1] == "\n":
                    break
                case "\n":
                    endRecord(); line += 1; recordLine = line
                default:
                    guard !wasQuoted else {
                        throw CSVSyntaxError(line: line, reason: "text after a closing quote")
                    }
                    field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if inQuotes { throw CSVSyntaxError(line: recordLine, reason: "a quoted field is not closed before the end of the file") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }

    /// One record as a line (with a trailing LF), quoting fields that need it.
    public static func format(_ fields: [String]) -> String {
        fields.map { f in
            if f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || f != f.trimmingCharacters(in: .whitespaces) {
                return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return f
        }.joined(separator: ",") + "\n"
    }

    /// Reads a UTF-8 text file, or the reason it cannot be read.
    public static func readText(_ path: String) -> (text: String?, reason: String) {
        guard FileManager.default.fileExists(atPath: path) else { return (nil, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { return (nil, "cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { return (nil, "not UTF-8 text") }
        return (text, "")
    }
}
