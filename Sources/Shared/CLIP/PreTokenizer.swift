/// CLIP's pre-tokenization, the regular expression
/// `START|END|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` applied with
/// `findall` to cleaned, lowercased text, written out by hand: at each position the
/// alternatives are tried in that order, and whitespace that no alternative matches is
/// skipped. Letters are the Unicode categories L*, numbers N*; each digit is its own piece.
enum PreTokenizer {
    static func pieces(_ text: String, specials: [String]) -> [String] {
        let s = Array(text.unicodeScalars)
        let specialScalars = specials.map { Array($0.unicodeScalars) }
        var out: [String] = []
        var i = 0
        func take(_ end: Int) {
            out.append(String(String.UnicodeScalarView(s[i..<end])))
            i = end
        }
        scan: while i < s.count {
            for special in specialScalars where !special.isEmpty && s.count - i >= special.count {
                if Array(s[i..<(i + special.count)]) == special { take(i + special.count); continue scan }
            }
            if s[i] == "'", i + 1 < s.count {
                let next = s[i + 1]
                if next == "s" || next == "t" || next == "m" || next == "d" { take(i + 2); continue }
                if i + 2 < s.count {
                    let pair = String(String.UnicodeScalarView([next, s[i + 2]]))
                    if pair == "re" || pair == "ve" || pair == "ll" { take(i + 3); continue }
                }
            }
            if isLetter(s[i]) {
                var j = i + 1
                while j < s.count, isLetter(s[j]) { j += 1 }
                take(j)
            } else if isNumber(s[i]) {
                take(i + 1)
            } else if TextCleaner.isSpace(s[i]) {
                i += 1
            } else {
                var j = i + 1
                while j < s.count, !isLetter(s[j]), !isNumber(s[j]), !TextCleaner.isSpace(s[j]) { j += 1 }
                take(j)
            }
        }
        return out
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
