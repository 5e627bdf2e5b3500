import Foundation
import Shared
import Tables

/// A layout's table of labels and patients: a CSV file (comma- or semicolon-separated) or
/// the first sheet of an .xlsx workbook, as a header and rows of text. Columns are found
/// by name in any letter case, so a table that gains or reorders columns still reads.
struct LabelTable {
    struct Row {
        /// The row's number as a spreadsheet shows it, or the CSV line.
        var number: Int
        var cells: [String]
    }

    let file: String
    let header: [String]
    let rows: [Row]

    static func read(_ file: String, separator: Unicode.Scalar = ",") throws(DatasetError) -> LabelTable {
        if file.lowercased().hasSuffix(".xlsx") || file.lowercased().hasSuffix(".xls") {
            let sheet: [[String]]
            do { sheet = try Spreadsheet.firstSheetRows(ofFile: file) } catch {
                throw .unreadable(file: file, reason: error.reason)
            }
            guard let header = sheet.first else { throw .badTable(table: file, row: 1, reason: "the first sheet is empty") }
            let rows = sheet.enumerated().dropFirst()
                .filter { !$0.element.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
                .map { Row(number: $0.offset + 1, cells: $0.element) }
            return LabelTable(file: file, header: header, rows: rows)
        }
        let read = CSV.readText(file)
        guard let text = read.text else { throw .unreadable(file: file, reason: read.reason) }
        let records: [CSVRecord]
        do { records = try CSV.parse(text, separator: separator) } catch {
            throw .badTable(table: file, row: error.line, reason: error.reason)
        }
        guard let header = records.first else { throw .badTable(table: file, row: 1, reason: "empty file") }
        return LabelTable(file: file, header: header.fields, rows: records.dropFirst().map { Row(number: $0.line, cells: $0.fields) })
    }

    /// The index of the first column named `name` (spaces around it and letter case ignored).
    func column(_ name: String) -> Int? {
        header.firstIndex { $0.trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() }
    }

    /// The columns `names`, or an error naming the table and the missing ones.
    func columns(_ names: [String], layout: String) throws(DatasetError) -> [Int] {
        let found = names.map(column)
        let missing = zip(names, found).filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else {
            throw .badTable(table: file, row: 1, reason: "no column \(missing.joined(separator: ", ")) (a \(layout) table has \(names.joined(separator: ", ")); it has \(header.joined(separator: ", ")))")
        }
        return found.map { $0! }
    }

    /// Cell `column` of `row`, trimmed; "" past the row's end (spreadsheets drop trailing blanks).
    func value(_ row: Row, _ column: Int) -> String {
        column < row.cells.count ? row.cells[column].trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }
}
