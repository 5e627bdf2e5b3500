/// A cell's place from its A1-style reference ("C5": column 3, row 5), 0-based, within
/// Excel's grid (A1 to XFD1048576), which also bounds what a hostile reference can make
/// the reader allocate.
struct CellReference: Equatable {
    static let rowCount = 1_048_576
    static let columnCount = 16_384

    var row: Int
    var column: Int

    init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }

    /// nil when `text` is not letters then digits inside the grid ("$" signs are not allowed
    /// in a cell's own reference).
    init?(_ text: String) {
        var column = 0, row = 0, letters = 0, digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0 && letters < 3:
                column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
                letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9") where letters > 0 && digits < 7:
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            default:
                return nil
            }
        }
        guard (1...Self.columnCount).contains(column), (1...Self.rowCount).contains(row) else { return nil }
        self.init(row: row - 1, column: column - 1)
    }

    /// The A1-style name, for messages about cells that have no `r` attribute.
    var name: String {
        var letters = "", n = column + 1
        while n > 0 {
            letters = String(UnicodeScalar(UInt8(ascii: "A") + UInt8((n - 1) % 26))) + letters
            n = (n - 1) / 26
        }
        return letters + String(row + 1)
    }
}
