import Foundation

/// Text helpers shared by the report writers: number cells, escaping, safe file names.
package enum ReportText {
    /// A metric as a table cell: three decimals, "n/a" for NaN.
    static func cell(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "n/a" }

    /// Escapes a table cell's text for Markdown (pipes would split the cell).
    static func markdown(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
    }

    /// Escapes text for XML content and attribute values.
    static func xml(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A file-name part made of ASCII letters, digits, '.', '-' and '_' only: other runs
    /// become one '_', a trailing ".png" is dropped, and the result is at most `limit`
    /// characters (never empty).
    package static func safeName(_ s: String, limit: Int = 60) -> String {
        var t = s
        if t.lowercased().hasSuffix(".png") { t.removeLast(4) }
        var out = ""
        for u in t.unicodeScalars {
            let ok = u.isASCII && (CharacterSet.alphanumerics.contains(u) || u == "." || u == "-" || u == "_")
            if ok { out.unicodeScalars.append(u) } else if !out.hasSuffix("_") { out += "_" }
        }
        while out.hasPrefix("_") || out.hasPrefix(".") { out.removeFirst() }
        while out.hasSuffix("_") { out.removeLast() }
        out = String(out.prefix(limit))
        return out.isEmpty ? "x" : out
    }

    /// Safe, distinct file-name parts for distinct names ("-2", "-3" on collisions).
    static func uniqueSafeNames(_ names: [String]) -> [String] {
        var used = Set<String>(), out: [String] = []
        for n in names {
            let base = safeName(n)
            var candidate = base, k = 2
            while used.contains(candidate.lowercased()) { candidate = "\(base)-\(k)"; k += 1 }
            used.insert(candidate.lowercased())
            out.append(candidate)
        }
        return out
    }
}
