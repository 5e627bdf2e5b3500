/// How stored cell values become text, for the types that are not plain strings.
enum CellText {
    /// A number as Excel stores it in `<v>`, written as a person reads the table: an integral
    /// value without a fraction or exponent ("12.0" and "1.2E1" -> "12"), anything else as
    /// stored ("1.5"). Integers are left as written, so long ones keep every digit; above
    /// 2^53 a double's integral value is not the number the writer meant, so it stays as
    /// stored too. nil when `stored` is not a decimal number. Dates are numbers too (days
    /// since 1900, formatted as a date only by the cell's style), and stay numbers here.
    static func number(_ stored: String) -> String? {
        let allowed = Set("0123456789+-.eE")
        guard !stored.isEmpty, stored.allSatisfy(allowed.contains), let value = Double(stored) else { return nil }
        if !stored.contains(where: { ".eE".contains($0) }) { return stored }
        if value.rounded() == value, abs(value) < 0x1p53 { return String(Int64(value)) }
        return stored
    }

    /// A boolean cell's `<v>`: 1 or 0; nil for anything else.
    static func boolean(_ stored: String) -> String? {
        switch stored {
        case "1": return "TRUE"
        case "0": return "FALSE"
        default: return nil
        }
    }
}
