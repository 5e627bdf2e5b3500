/// The deterministic order of dataset entries: by class, then by the numeric id in the
/// file name (`benign (12).png` -> 12; names without a number come after those with one),
/// then by the path itself (byte order), so `benign (2)` precedes `benign (10)`.
package enum NaturalOrder {
    /// The first run of decimal digits in the last path component, if it fits an Int.
    static func numericID(_ path: String) -> Int? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var digits = ""
        for ch in name {
            if ch.isASCII, ch.isNumber {
                digits.append(ch)
            } else if !digits.isEmpty {
                break
            }
        }
        return Int(digits)
    }

    /// True when entry `a` sorts before entry `b`.
    package static func precedes(_ a: (label: LesionClass, path: String), _ b: (label: LesionClass, path: String)) -> Bool {
        if a.label != b.label { return a.label < b.label }
        let ia = numericID(a.path), ib = numericID(b.path)
        switch (ia, ib) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return Array(a.path.utf8).lexicographicallyPrecedes(Array(b.path.utf8))
        }
    }
}
