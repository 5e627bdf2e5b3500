import Foundation

/// open_clip's text cleaning before BPE (`_clean_lower`): `basic_clean` (ftfy.fix_text,
/// html.unescape twice, strip), `whitespace_clean` (runs of whitespace -> one space,
/// strip), then lowercase.
///
/// ftfy is approximated by the fixes that change ordinary text: NFC normalization,
/// curly quotes -> straight (U+02BC, U+2018...U+201B -> ', U+201C...U+201F -> "),
/// Latin ligatures (U+FB00...U+FB06, U+0132, U+0133) spelled out, full-width ASCII
/// (U+FF01...U+FF5E, U+3000) -> ASCII, and control characters removed. ftfy's mojibake
/// repair is not reproduced: text that is already mis-decoded UTF-8 tokenizes differently.
/// HTML entities: numeric (`&#38;`, `&#x26;`, semicolon optional) and the named entities
/// in `namedEntities`; others stay as written. Whitespace is Python's `str.isspace`.
enum TextCleaner {
    static func clean(_ text: String) -> String {
        var s = ftfyLike(text)
        s = unescapeHTML(unescapeHTML(s))
        let words = s.unicodeScalars.split(whereSeparator: isSpace)
        return words.map { String(String.UnicodeScalarView($0)) }.joined(separator: " ").lowercased()
    }

    /// Python's str.isspace: White_Space plus the separators U+001C...U+001F.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }

    static let ligatures: [UInt32: String] = [
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u{17F}t", 0xFB06: "st",
        0x0132: "IJ", 0x0133: "ij",
    ]

    static func isControl(_ v: UInt32) -> Bool {
        (0x00...0x08).contains(v) || v == 0x0B || (0x0E...0x1F).contains(v) || v == 0x7F
            || (0x206A...0x206F).contains(v) || v == 0xFEFF || (0xFFF9...0xFFFC).contains(v)
    }

    static func ftfyLike(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            if isControl(v) { continue }
            if v == 0x02BC || (0x2018...0x201B).contains(v) {
                out.append("'")
            } else if (0x201C...0x201F).contains(v) {
                out.append("\"")
            } else if let spelled = ligatures[v] {
                out.append(contentsOf: spelled.unicodeScalars)
            } else if (0xFF01...0xFF5E).contains(v), let ascii = Unicode.Scalar(v - 0xFEE0) {
                out.append(ascii)
            } else if v == 0x3000 {
                out.append(" ")
            } else {
                out.append(s)
            }
        }
        return String(out).precomposedStringWithCanonicalMapping
    }

    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "copy": "\u{A9}", "reg": "\u{AE}", "trade": "\u{2122}", "hellip": "\u{2026}",
        "ndash": "\u{2013}", "mdash": "\u{2014}", "lsquo": "\u{2018}", "rsquo": "\u{2019}",
        "ldquo": "\u{201C}", "rdquo": "\u{201D}", "deg": "\u{B0}", "times": "\u{D7}", "micro": "\u{B5}",
    ]
    /// Named entities that Python also accepts without the semicolon.
    static let bareEntities: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "deg", "times", "micro"]

    static func unescapeHTML(_ text: String) -> String {
        let s = Array(text.unicodeScalars)
        guard s.contains("&") else { return text }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&", let (replacement, next) = entity(s, at: i) else {
                out.append(s[i]); i += 1; continue
            }
            out.append(contentsOf: replacement.unicodeScalars)
            i = next
        }
        return String(out)
    }

    /// The entity starting at s[at] == "&": its text and the index after it.
    static func entity(_ s: [Unicode.Scalar], at: Int) -> (String, Int)? {
        var j = at + 1
        if j < s.count, s[j] == "#" {
            j += 1
            let hex = j < s.count && (s[j] == "x" || s[j] == "X")
            if hex { j += 1 }
            let start = j
            while j < s.count, (hex ? s[j].properties.isASCIIHexDigit : ("0"..."9").contains(s[j])) { j += 1 }
            guard j > start, let value = UInt32(String(String.UnicodeScalarView(s[start..<j])), radix: hex ? 16 : 10) else {
                return nil
            }
            if j < s.count, s[j] == ";" { j += 1 }
            let scalar = (value == 0 || value > 0x10FFFF) ? nil : Unicode.Scalar(value)
            return (String(Character(scalar ?? "\u{FFFD}")), j)
        }
        let start = j
        while j < s.count, j - start < 32, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) { j += 1 }
        let name = String(String.UnicodeScalarView(s[start..<j]))
        if j < s.count, s[j] == ";", let value = namedEntities[name] { return (value, j + 1) }
        // Without a semicolon, the longest known prefix that Python accepts bare.
        for end in stride(from: j, to: start, by: -1) {
            let prefix = String(String.UnicodeScalarView(s[start..<end]))
            if bareEntities.contains(prefix), let value = namedEntities[prefix] { return (value, end) }
        }
        return nil
    }
}
