import Foundation

/// Reading the label tables that public breast-ultrasound datasets ship as Excel workbooks
/// (BrEaST's clinical table, UDIAT's DatasetB.xlsx). Only the first worksheet, only cell
/// texts: no styles, no formulas (a formula cell reads as the result Excel stored), no dates
/// (a date is a number of days with a date style, and stays that number).
public enum Spreadsheet {
    /// The most bytes one part of the workbook (a sheet, the shared strings) may decompress to:
    /// 64 MiB, hundreds of times a dataset's table, and low enough that a ZIP bomb (a few KB
    /// that inflate to gigabytes) is refused before it fills memory.
    public static let defaultPartSizeLimit = 64 << 20

    /// The first worksheet (in workbook order, resolved through xl/workbook.xml and
    /// xl/_rels/workbook.xml.rels, not assumed to be sheet1.xml) as rows of cell texts; a
    /// missing cell is "" so column positions hold (cell references like "C5" place cells;
    /// rows without `r` attributes follow one another); trailing empty rows dropped. Each row
    /// ends at its last non-empty cell: read a column past its end as "". How each kind of
    /// cell becomes text: docs/FORMATS.md, "Spreadsheets (.xlsx)".
    public static func firstSheetRows(ofFile path: String,
                                      partSizeLimit: Int = defaultPartSizeLimit) throws(TableError) -> [[String]] {
        do {
            return try readFirstSheet(WorkbookArchive(path: path, partSizeLimit: partSizeLimit))
        } catch {
            throw TableError(file: path, reason: error.reason)
        }
    }

    private static func readFirstSheet(_ archive: WorkbookArchive) throws(Unreadable) -> [[String]] {
        let workbook = try workbookPart(archive)
        guard let workbookData = try archive.read(workbook) else {
            throw Unreadable("no \(workbook) (not an Excel workbook)")
        }
        let relsPart = Relationships.partName(for: workbook)
        guard let relsData = try archive.read(relsPart) else {
            throw Unreadable("no \(relsPart) (where the workbook says which part holds each sheet)")
        }
        let rels = try Relationships(relsData, part: relsPart, source: workbook)

        var first: (sheet: Workbook.Sheet, part: String)?
        for sheet in try Workbook.sheets(workbookData, part: workbook) {
            guard let rel = rels.target(id: sheet.relationshipID) else {
                throw Unreadable("\(workbook): sheet \"\(sheet.name)\" is \(sheet.relationshipID), which \(relsPart) does not list")
            }
            // Chart sheets and dialog sheets have no cells: the first *worksheet* is the table.
            if !rel.external, rel.type.hasSuffix("/worksheet") {
                first = (sheet, rel.target)
                break
            }
        }
        guard let first else { throw Unreadable("\(workbook) lists no worksheet") }
        guard let sheetData = try archive.read(first.part) else {
            throw Unreadable("no \(first.part) (sheet \"\(first.sheet.name)\", as \(relsPart) says)")
        }

        var strings: [String] = []
        let stringsPart = rels.first(ofType: "sharedStrings")?.target
        if let stringsPart {
            guard let data = try archive.read(stringsPart) else {
                throw Unreadable("no \(stringsPart) (the shared strings, as \(relsPart) says)")
            }
            strings = try SharedStrings.strings(data, part: stringsPart)
        }
        return try Worksheet.rows(sheetData, part: first.part, sharedStrings: strings, sharedStringsPart: stringsPart)
    }

    /// The workbook part, as the package's relationships (_rels/.rels) name it; where they
    /// do not, the name every producer uses.
    private static func workbookPart(_ archive: WorkbookArchive) throws(Unreadable) -> String {
        let packageRels = "_rels/.rels"
        guard let data = try archive.read(packageRels) else { return "xl/workbook.xml" }
        return try Relationships(data, part: packageRels, source: "").first(ofType: "officeDocument")?.target
            ?? "xl/workbook.xml"
    }
}
