import Foundation
import ZIPFoundation

/// Small .xlsx workbooks for tests: the label tables of dataset replicas, and inputs for the
/// spreadsheet reader's own tests. Text that reads as a decimal number is written as a number
/// cell, other text as a shared string (or an inline string); nil leaves a cell out of the
/// file, as Excel does with empty cells. Sheet parts are numbered backwards (the first sheet
/// is the highest sheetN.xml), so a reader that takes sheet1.xml for the first sheet fails.
enum XLSXWriter {
    struct Sheet {
        var name: String
        var rows: [[String?]]
    }

    static func write(_ sheets: [Sheet], to url: URL, sharedStrings: Bool = true) throws {
        var strings: [String] = []
        var index: [String: Int] = [:]
        let bodies = sheets.map { sheet in
            sheet.rows.enumerated().map { r, row in
                let cells = row.enumerated().compactMap { c, text -> String? in
                    guard let text else { return nil }
                    let ref = "r=\"\(columnName(c))\(r + 1)\""
                    if isNumber(text) { return "<c \(ref)><v>\(text)</v></c>" }
                    guard sharedStrings else { return "<c \(ref) t=\"inlineStr\"><is>\(run(text))</is></c>" }
                    let i = index[text] ?? strings.count
                    if i == strings.count { strings.append(text); index[text] = i }
                    return "<c \(ref) t=\"s\"><v>\(i)</v></c>"
                }
                return "<row r=\"\(r + 1)\">\(cells.joined())</row>"
            }.joined()
        }
        try writeWorkbook(sheets: zip(sheets.map(\.name), bodies).map { ($0, $1) },
                          sharedStringItems: sharedStrings ? strings.map(run) : nil, to: url)
    }

    /// A one-sheet workbook whose `<sheetData>` holds `sheetData` verbatim, and whose shared
    /// strings (if any) are `sharedStringItems`, each the XML inside one `<si>`: for the cell
    /// types, rich text and malformed cells that `write(_:to:)` does not make.
    static func write(sheetData: String, sharedStringItems: [String]? = nil, to url: URL) throws {
        try writeWorkbook(sheets: [("Sheet1", sheetData)], sharedStringItems: sharedStringItems, to: url)
    }

    /// A ZIP archive of `parts` (name, text), deflated, in this order.
    static func writeZip(_ parts: [(name: String, text: String)], to url: URL) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (name, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    private static func writeWorkbook(sheets: [(name: String, data: String)], sharedStringItems: [String]?,
                                      to url: URL) throws {
        let main = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let package = "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\""
        let type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        let part = { (i: Int) in "sheet\(sheets.count - i).xml" }
        var types = [#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
                     "<Override PartName=\"/xl/workbook.xml\" ContentType=\"\(type).sheet.main+xml\"/>"]
        var workbookRels: [String] = []
        var parts: [(name: String, text: String)] = []
        for (i, sheet) in sheets.enumerated() {
            types.append("<Override PartName=\"/xl/worksheets/\(part(i))\" ContentType=\"\(type).worksheet+xml\"/>")
            workbookRels.append("<Relationship Id=\"rId\(i + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/\(part(i))\"/>")
            parts.append(("xl/worksheets/\(part(i))", "<worksheet \(main)><sheetData>\(sheet.data)</sheetData></worksheet>"))
        }
        if let sharedStringItems {
            types.append("<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"\(type).sharedStrings+xml\"/>")
            workbookRels.append("<Relationship Id=\"rIdS\" Type=\"\(rel)/sharedStrings\" Target=\"sharedStrings.xml\"/>")
            parts.append(("xl/sharedStrings.xml",
                          "<sst \(main)>\(sharedStringItems.map { "<si>\($0)</si>" }.joined())</sst>"))
        }
        let sheetList = sheets.enumerated().map { i, sheet in
            "<sheet name=\"\(escape(sheet.name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        try writeZip([
            ("[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\(types.joined())</Types>"),
            ("_rels/.rels", "<Relationships \(package)><Relationship Id=\"rId1\" Type=\"\(rel)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ("xl/workbook.xml", "<workbook \(main) xmlns:r=\"\(rel)\"><sheets>\(sheetList.joined())</sheets></workbook>"),
            ("xl/_rels/workbook.xml.rels", "<Relationships \(package)>\(workbookRels.joined())</Relationships>"),
        ] + parts, to: url)
    }

    /// "A" for column 0, "Z", "AA", ...
    static func columnName(_ column: Int) -> String {
        var name = "", n = column + 1
        while n > 0 {
            name = String(UnicodeScalar(UInt8(ascii: "A") + UInt8((n - 1) % 26))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// Digits with an optional sign and fraction ("12", "-1.5"): what Excel stores as a number.
    private static func isNumber(_ text: String) -> Bool {
        let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let halves = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return halves.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }
    }

    private static func run(_ text: String) -> String { "<t xml:space=\"preserve\">\(escape(text))</t>" }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
