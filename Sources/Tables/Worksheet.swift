import Foundation

/// A worksheet part (xl/worksheets/sheetN.xml) as rows of cell texts. Cells are placed by
/// their references, so a cell the file leaves out (Excel writes only cells with content or
/// style) reads as "" and the columns after it keep their positions; rows and cells without
/// a reference follow the previous one. An empty cell is the same as a missing one, so a row
/// ends at its last non-empty cell and the rows end at the last non-empty row.
enum Worksheet {
    /// The most grid positions (cells plus the gaps before them) one sheet may fill: 4 Mi,
    /// 64 MiB of strings. A dataset's table has thousands; a few hundred bytes of XML with
    /// far-right references ("XFD1", "XFD2", ...) would otherwise ask for millions per row.
    static let cellLimit = 1 << 22

    static func rows(_ data: Data, part: String, sharedStrings: [String], sharedStringsPart: String?) throws(Unreadable) -> [[String]] {
        let handler = Handler(sharedStrings: sharedStrings, sharedStringsPart: sharedStringsPart)
        try XMLPart.parse(data, part: part, into: handler)
        return handler.rows
    }

    /// The cell being read, from `<c>` to `</c>`.
    private struct Cell {
        var place: CellReference
        var type: String
        var value: String?
        var inValue = false
        var inline: StringItem?

        /// Text inside `<v>` is the value; inside `<is>`, the inline string's; elsewhere
        /// (a formula's `<f>`) it is not the cell's.
        mutating func add(_ text: String) {
            if inValue { value = (value ?? "") + text } else { inline?.add(text) }
        }
    }

    private final class Handler: XMLPartHandler {
        let sharedStrings: [String]
        let sharedStringsPart: String?
        var rows: [[String]] = []
        var filled = 0
        var inSheetData = false
        var row = -1
        var column = -1
        var cell: Cell?

        init(sharedStrings: [String], sharedStringsPart: String?) {
            self.sharedStrings = sharedStrings
            self.sharedStringsPart = sharedStringsPart
        }

        func start(_ name: String, attributes: [String: String]) throws(Unreadable) {
            if name == "sheetData" { inSheetData = true }
            guard inSheetData else { return }
            switch name {
            case "row":
                if let r = attributes["r"] {
                    guard let n = Int(r), (1...CellReference.rowCount).contains(n) else {
                        throw Unreadable("row number \"\(r)\" is not 1 to \(CellReference.rowCount)")
                    }
                    row = n - 1
                } else {
                    row += 1
                    guard row < CellReference.rowCount else { throw Unreadable("more than \(CellReference.rowCount) rows") }
                }
                column = -1
            case "c":
                var place = CellReference(row: max(row, 0), column: column + 1)
                if let r = attributes["r"] {
                    guard let parsed = CellReference(r) else {
                        throw Unreadable("cell reference \"\(r)\" is not a column and a row within A1 to XFD1048576")
                    }
                    place = parsed
                }
                guard place.column < CellReference.columnCount else { throw Unreadable("a row of more than \(CellReference.columnCount) cells") }
                column = place.column
                cell = Cell(place: place, type: attributes["t"] ?? "n")
            case "v":
                cell?.inValue = true
            case "is":
                cell?.inline = StringItem()
            default:
                cell?.inline?.start(name)
            }
        }

        func end(_ name: String) throws(Unreadable) {
            switch name {
            case "sheetData":
                inSheetData = false
            case "c":
                if let done = cell { try place(text(of: done), at: done.place) }
                cell = nil
            case "v":
                cell?.inValue = false
            default:
                cell?.inline?.end(name)
            }
        }

        func text(_ text: String) { cell?.add(text) }

        /// The cell's text by its type (`t`).
        private func text(of cell: Cell) throws(Unreadable) -> String {
            let cellName = "cell \(cell.place.name)"
            if cell.type == "inlineStr" { return cell.inline?.text ?? "" }
            guard let value = cell.value else { return "" }
            switch cell.type {
            case "n":
                guard let number = CellText.number(value) else { throw Unreadable("\(cellName) is a number cell holding \"\(value)\"") }
                return number
            case "s":
                guard let index = Int(value), sharedStrings.indices.contains(index) else {
                    let part = sharedStringsPart ?? "the workbook, which has no shared strings part"
                    throw Unreadable("\(cellName) points to shared string \"\(value)\", not one of the \(sharedStrings.count) in \(part)")
                }
                return sharedStrings[index]
            case "b":
                guard let boolean = CellText.boolean(value) else { throw Unreadable("\(cellName) is a boolean cell holding \"\(value)\"") }
                return boolean
            case "str", "e", "d":
                // A formula's text result, an error ("#N/A"), an ISO 8601 date: as stored.
                return value
            default:
                throw Unreadable("\(cellName) has the unknown type t=\"\(cell.type)\"")
            }
        }

        private func place(_ text: String, at place: CellReference) throws(Unreadable) {
            guard !text.isEmpty else { return }
            if rows.count <= place.row { rows.append(contentsOf: repeatElement([], count: place.row + 1 - rows.count)) }
            let missing = place.column + 1 - rows[place.row].count
            if missing > 0 {
                filled += missing
                guard filled <= Worksheet.cellLimit else {
                    throw Unreadable("more than \(Worksheet.cellLimit) cells, counting the gaps before them (at cell \(place.name))")
                }
                rows[place.row].append(contentsOf: repeatElement("", count: missing))
            }
            rows[place.row][place.column] = text
        }
    }
}
