import Foundation
import XCTest
import Tables
@testable import TestSupport

/// The reader against a workbook openpyxl wrote (Fixtures/tables/clinical.xlsx, shaped like
/// BrEaST's clinical table) and the rows openpyxl reads back from it (clinical.json).
final class SpreadsheetFixtureTests: XCTestCase {
    func testClinicalTableReadsAsOpenpyxlReadsIt() throws {
        let expected = try XCTUnwrap(Fixtures.json("tables/clinical.json")["rows"] as? [[String]])
        let rows = try Spreadsheet.firstSheetRows(ofFile: Fixtures.url("tables/clinical.xlsx").path)
        XCTAssertEqual(rows, expected)
        // The cells the fixture is there for, spelled out.
        XCTAssertEqual(rows[0].first, "CaseID")
        XCTAssertEqual(rows[5][1], "case010.png&case011.png")
        XCTAssertEqual(rows[1][3], "", "a left-out cell keeps the columns after it in place")
        XCTAssertEqual(rows[4], [], "an empty row between cases")
        XCTAssertEqual(rows[3][4], "1", "an integral float is written without a fraction")
        XCTAssertEqual(rows[2][8], "not circumscribed", "rich-text runs concatenate")
    }
}
