import Foundation
import XCTest
import Tables
@testable import TestSupport

/// How each kind of cell becomes text, and where cells land (docs/FORMATS.md, "Spreadsheets").
final class SpreadsheetCellTests: XCTestCase {
    func testEveryCellTypeBecomesItsText() throws {
        let strings = ["plain",
                       #"<r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh>"#]
        let rows = try read(sheetData: """
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>\
            <c r="C1" t="inlineStr"><is><t xml:space="preserve">  padded  </t></is></c>\
            <c r="D1" t="str"><f>A1&amp;"!"</f><v>plain!</v></c><c r="E1" t="e"><v>#DIV/0!</v></c>\
            <c r="F1" t="b"><v>1</v></c><c r="G1" t="b"><v>0</v></c><c r="H1" t="d"><v>2019-03-15T00:00:00</v></c></row>
            <row r="2"><c r="A2"><v>12</v></c><c r="B2" t="n"><v>12.0</v></c><c r="C2"><v>1.5</v></c>\
            <c r="D2"><v>1.2E1</v></c><c r="E2"><v>-0.25</v></c><c r="F2"><v>12345678901234567890</v></c>\
            <c r="G2"><v>1E+300</v></c><c r="H2"><f>1+1</f></c></row>
            """, strings: strings.map { $0.hasPrefix("<") ? $0 : "<t>\($0)</t>" })
        XCTAssertEqual(rows, [
            ["plain", "rich text", "  padded  ", "plain!", "#DIV/0!", "TRUE", "FALSE", "2019-03-15T00:00:00"],
            ["12", "12", "1.5", "12", "-0.25", "12345678901234567890", "1E+300"],
        ])
    }

    func testReferencesPlaceCellsAndUnreferencedOnesFollow() throws {
        let rows = try read(sheetData: """
            <row><c><v>1</v></c><c><v>2</v></c></row>
            <row><c r="C2"><v>3</v></c><c><v>4</v></c></row>
            <row r="5"><c r="B5"><v>5</v></c></row>
            <row><c><v>6</v></c></row>
            <row r="8"><c r="A8" s="1"/><c r="B8" t="inlineStr"><is><t></t></is></c></row>
            """)
        XCTAssertEqual(rows, [["1", "2"], ["", "", "3", "4"], [], [], ["", "5"], ["6"]],
                       "row 8 has only empty cells, so it is a trailing empty row and is dropped")
    }

    func testNamespacePrefixesAreTheProducersChoice() throws {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("prefixed.xlsx")
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        try XLSXWriter.writeZip([
            ("xl/workbook.xml", #"<x:workbook xmlns:x="\#(main)" xmlns:rel="\#(rel)"><x:sheets><x:sheet name="S" sheetId="1" rel:id="s1"/></x:sheets></x:workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="s1" Type="\#(rel)/worksheet" Target="Worksheets/Data.xml"/></Relationships>"#),
            ("xl/worksheets/data.xml", #"<x:worksheet xmlns:x="\#(main)"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>prefixed</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>"#),
        ], to: url)
        XCTAssertEqual(try Spreadsheet.firstSheetRows(ofFile: url.path), [["prefixed"]],
                       "no _rels/.rels (so xl/workbook.xml), a prefix on every element, a target in another case")
    }

    func testWriterRoundTripsWithGapsAndASecondSheet() throws {
        let folder = try temporaryFolder(self, prefix: "tables")
        let first = XLSXWriter.Sheet(name: "Cases", rows: [
            ["Image", "Type", "Note"],
            ["000001.png", "Benign", nil],
            [nil, nil, "only the third"],
            [],
            ["000002.png", "Malignant", "a & b <c> \"d\""],
            ["12", "1.5", "-3", "007", " spaced ", "12.0"],
        ])
        let second = XLSXWriter.Sheet(name: "Other", rows: [["not", "this"]])
        let expected = [["Image", "Type", "Note"], ["000001.png", "Benign"], ["", "", "only the third"], [],
                        ["000002.png", "Malignant", "a & b <c> \"d\""], ["12", "1.5", "-3", "007", " spaced ", "12"]]
        for shared in [true, false] {
            let url = folder.appendingPathComponent("cases-\(shared).xlsx")
            try XLSXWriter.write([first, second], to: url, sharedStrings: shared)
            XCTAssertEqual(try Spreadsheet.firstSheetRows(ofFile: url.path), expected, "shared strings: \(shared)")
        }
        let swapped = folder.appendingPathComponent("swapped.xlsx")
        try XLSXWriter.write([second, first], to: swapped)
        XCTAssertEqual(try Spreadsheet.firstSheetRows(ofFile: swapped.path), [["not", "this"]])
    }

    private func read(sheetData: String, strings: [String]? = nil) throws -> [[String]] {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("cells.xlsx")
        try XLSXWriter.write(sheetData: sheetData, sharedStringItems: strings, to: url)
        return try Spreadsheet.firstSheetRows(ofFile: url.path)
    }
}
