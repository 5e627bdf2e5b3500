import Foundation
import XCTest
import Tables
@testable import TestSupport

/// Files that are not readable workbooks: each gives a TableError that names the file and,
/// where there is one, the part and line.
final class SpreadsheetErrorTests: XCTestCase {
    func testANonZIPFileIsNotAWorkbook() throws {
        let path = try file("table.xlsx", Data("CaseID,Image_filename\n1,case001.png\n".utf8))
        try expect(path, reason: "not a ZIP archive (an .xlsx file is one)")
        try expect(try file("empty.xlsx", Data()), reason: "not a ZIP archive (an .xlsx file is one)")
    }

    func testAnXLSFileIsNamedAsOne() throws {
        let path = try file("DatasetB.xls", Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)))
        let error = try readError(path)
        XCTAssertTrue(error.reason.hasPrefix(".xls (Excel 97-2003) files are not supported: save it as .xlsx"), error.reason)
        XCTAssertEqual(error.description, "\(path): cannot read the spreadsheet: \(error.reason)")
    }

    func testAMissingFileOrAFolderSaysSo() throws {
        let folder = try temporaryFolder(self, prefix: "tables")
        try expect(folder.appendingPathComponent("absent.xlsx").path, reason: "cannot open: No such file or directory")
        try expect(folder.path, reason: "cannot read: Is a directory")
    }

    func testAZIPWithoutAWorkbook() throws {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("images.xlsx")
        try XLSXWriter.writeZip([("case001.png", "not really a PNG")], to: url)
        try expect(url.path, reason: "no xl/workbook.xml (not an Excel workbook)")
    }

    func testATruncatedFile() throws {
        let whole = try Data(contentsOf: Fixtures.url("tables/clinical.xlsx"))
        let path = try file("cut.xlsx", whole.prefix(whole.count / 2))
        let error = try readError(path)
        XCTAssertTrue(error.reason.hasPrefix("a damaged or cut-short ZIP archive"), error.reason)
    }

    func testMalformedPartsNameThePartAndLine() throws {
        try expectSheet("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>\n<row><c r=\"A2\"><v>2</v></c>",
                        reason: "xl/worksheets/sheet1.xml line 2: malformed XML: it ends early or its tags do not match (XMLParser error 5)")
        try expectSheet("<row>\n<c r=\"A0\"><v>1</v></c></row>",
                        reason: "xl/worksheets/sheet1.xml line 2: cell reference \"A0\" is not a column and a row within A1 to XFD1048576")
        try expectSheet("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>",
                        reason: "xl/worksheets/sheet1.xml line 1: cell reference \"XFE1\" is not")
        try expectSheet("<row r=\"0\"/>", reason: "xl/worksheets/sheet1.xml line 1: row number \"0\" is not 1 to 1048576")
        try expectSheet("<row><c><v>abc</v></c></row>",
                        reason: "xl/worksheets/sheet1.xml line 1: cell A1 is a number cell holding \"abc\"")
        try expectSheet("<row><c t=\"b\"><v>yes</v></c></row>",
                        reason: "xl/worksheets/sheet1.xml line 1: cell A1 is a boolean cell holding \"yes\"")
        try expectSheet("<row><c/><c t=\"rich\"><v>1</v></c></row>",
                        reason: "xl/worksheets/sheet1.xml line 1: cell B1 has the unknown type t=\"rich\"")
        try expectSheet("<row><c t=\"s\"><v>3</v></c></row>", strings: ["<t>one</t>"],
                        reason: "xl/worksheets/sheet1.xml line 1: cell A1 points to shared string \"3\", not one of the 1 in xl/sharedStrings.xml")
        try expectSheet("<row><c t=\"s\"><v>0</v></c></row>",
                        reason: "cell A1 points to shared string \"0\", not one of the 0 in the workbook, which has no shared strings part")
    }

    func testAPartCutShortInsideTheZIP() throws {
        for (sheet, reason) in [
            ("<worksheet><sheetData><row r=\"1\">\n<c r=\"A1\"><v>1</v></c>",
             "xl/worksheets/sheet1.xml line 2: malformed XML: it ends early or its tags do not match (XMLParser error 5)"),
            // XMLParser reports these two as parsed, without an error.
            ("<w>", "xl/worksheets/sheet1.xml: no XML element (empty, or cut short?)"),
            ("", "xl/worksheets/sheet1.xml: no XML element (empty, or cut short?)"),
        ] {
            let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("short.xlsx")
            try XLSXWriter.writeZip([
                ("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="A" r:id="rId1"/></sheets></workbook>"#),
                ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
                ("xl/worksheets/sheet1.xml", sheet),
            ], to: url)
            try expect(url.path, reason: reason)
        }
    }

    func testAWorkbookWhoseSheetHasNoPart() throws {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("nosheet.xlsx")
        try XLSXWriter.writeZip([
            ("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="Cases" r:id="rId7"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ], to: url)
        try expect(url.path, reason: "xl/workbook.xml: sheet \"Cases\" is rId7, which xl/_rels/workbook.xml.rels does not list")
        let missing = url.deletingLastPathComponent().appendingPathComponent("missing.xlsx")
        try XLSXWriter.writeZip([
            ("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="Cases" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ], to: missing)
        try expect(missing.path, reason: "no xl/worksheets/sheet1.xml (sheet \"Cases\", as xl/_rels/workbook.xml.rels says)")
    }

    // MARK: helpers

    private func file(_ name: String, _ data: Data) throws -> String {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    private func expectSheet(_ sheetData: String, strings: [String]? = nil, reason: String,
                             line: UInt = #line) throws {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("bad.xlsx")
        try XLSXWriter.write(sheetData: sheetData, sharedStringItems: strings, to: url)
        let error = try readError(url.path, line: line)
        XCTAssertTrue(error.reason.contains(reason), "\(error.reason)\n does not say: \(reason)", line: line)
    }
}

struct ReadWithoutError: Error, CustomStringConvertible {
    var description: String
}

extension XCTestCase {
    /// The TableError reading `path` gives; reading it without one fails the test.
    func readError(_ path: String, limit: Int = Spreadsheet.defaultPartSizeLimit, line: UInt = #line) throws -> TableError {
        let rows: [[String]]
        do {
            rows = try Spreadsheet.firstSheetRows(ofFile: path, partSizeLimit: limit)
        } catch {
            XCTAssertEqual(error.file, path, line: line)
            return error
        }
        throw ReadWithoutError(description: "\(path) read as \(rows.count) rows, not an error")
    }

    func expect(_ path: String, reason: String, line: UInt = #line) throws {
        XCTAssertEqual(try readError(path, line: line).reason, reason, line: line)
    }
}
