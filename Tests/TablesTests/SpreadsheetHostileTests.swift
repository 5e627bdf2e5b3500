import Foundation
import XCTest
import Tables
@testable import TestSupport

/// Input made to hurt the reader: ZIP bombs, entity bombs, far-away cell references,
/// damaged bytes. Each is refused with a reason (or read harmlessly), never a crash.
final class SpreadsheetHostileTests: XCTestCase {
    /// A sheet of about 50 KB; the limit in these tests is 1000 bytes.
    private func bigWorkbook() throws -> URL {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("big.xlsx")
        try XLSXWriter.write([.init(name: "Big", rows: (0..<500).map { [String($0), "x"] })], to: url, sharedStrings: false)
        return url
    }

    func testAPartLargerThanTheLimitIsRefused() throws {
        let url = try bigWorkbook()
        XCTAssertEqual(try Spreadsheet.firstSheetRows(ofFile: url.path).count, 500)
        let error = try readError(url.path, limit: 1000)
        XCTAssertTrue(error.reason.hasPrefix("xl/worksheets/sheet1.xml would decompress to "), error.reason)
        XCTAssertTrue(error.reason.hasSuffix("more than the limit of 1000 for one part (a ZIP bomb?)"), error.reason)
    }

    func testAPartThatLiesAboutItsSizeIsStoppedWhileInflating() throws {
        let url = try bigWorkbook()
        var bytes = try Data(contentsOf: url)
        try declareSize(10, of: "xl/worksheets/sheet1.xml", in: &bytes)
        try bytes.write(to: url)
        let error = try readError(url.path, limit: 1000)
        XCTAssertEqual(error.reason, "xl/worksheets/sheet1.xml decompresses to more than the limit of 1000 bytes for one part (a ZIP bomb?)")
    }

    func testAnEntityBombIsRefused() throws {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("laughs.xlsx")
        let entities = (1...9).map { i in "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">" }
        try XLSXWriter.writeZip([
            ("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="A" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", """
                <?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">\(entities.joined())]>
                <worksheet><sheetData><row><c t="inlineStr"><is><t>before&lol9;after</t></is></c></row></sheetData></worksheet>
                """),
        ], to: url)
        // 10^9 "lol"s if the entity were expanded.
        XCTAssertEqual(try readError(url.path).reason,
                       "xl/worksheets/sheet1.xml line 2: malformed XML: entities that expand without end (an entity bomb?) (XMLParser error 89)")
    }

    func testFarAwayReferencesCannotAskForMillionsOfCells() throws {
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("wide.xlsx")
        try XLSXWriter.write(sheetData: (1...300).map { "<row><c r=\"XFD\($0)\"><v>1</v></c></row>" }.joined(), to: url)
        let error = try readError(url.path)
        XCTAssertEqual(error.reason, "xl/worksheets/sheet1.xml line 1: more than 4194304 cells, counting the gaps before them (at cell XFD257)")
        // One far-away cell is fine: a long row, and a million empty rows cost little.
        try XLSXWriter.write(sheetData: "<row><c r=\"XFD1048576\"><v>1</v></c></row>",
                             to: url.deletingLastPathComponent().appendingPathComponent("far.xlsx"))
        let rows = try Spreadsheet.firstSheetRows(ofFile: url.deletingLastPathComponent().appendingPathComponent("far.xlsx").path)
        XCTAssertEqual(rows.count, 1_048_576)
        XCTAssertEqual(rows.last?.count, 16_384)
    }

    /// Every 40th prefix of the fixture and 400 single-byte changes: each reads, or throws
    /// a TableError about this file.
    func testDamagedBytesGiveAnErrorNotACrash() throws {
        let whole = try Data(contentsOf: Fixtures.url("tables/clinical.xlsx"))
        let url = try temporaryFolder(self, prefix: "tables").appendingPathComponent("damaged.xlsx")
        var variants = stride(from: 0, to: whole.count, by: 40).map { whole.prefix($0) }
        var state: UInt64 = 20_240_601
        for _ in 0..<400 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var changed = whole
            changed[Int((state >> 33) % UInt64(whole.count))] ^= UInt8(truncatingIfNeeded: state >> 8) | 1
            variants.append(changed)
        }
        var refused = 0
        for variant in variants {
            try variant.write(to: url)
            do { _ = try Spreadsheet.firstSheetRows(ofFile: url.path) } catch {
                XCTAssertEqual(error.file, url.path)
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, variants.count / 2)
    }

    /// Deflate data that runs on past its entry to the end of the file. ZIPFoundation 0.9.20,
    /// which read the parts before, looped without end on Linux on such a file (its inflate
    /// loop asks for more input forever at the end of the file); FuzzSpreadsheet found it
    /// within a minute. The reader now inflates exactly the entry's bytes.
    func testDeflateDataRunningToTheEndOfTheFileIsAnError() throws {
        let found = Fixtures.repositoryRoot.appendingPathComponent("fuzz/reproducers/FuzzSpreadsheet/deflate-runs-to-end-of-file.xlsx")
        let error = try readError(found.path)
        XCTAssertTrue(error.reason.hasPrefix("xl/worksheets/sheet2.xml cannot be decompressed ("), error.reason)
        // The same by construction: the sheet's data begins a stored block of 65535 bytes,
        // more than the rest of the file holds.
        let url = try bigWorkbook()
        var bytes = try Data(contentsOf: url)
        let name = Data("xl/worksheets/sheet1.xml".utf8)
        let magic = Data([0x50, 0x4B, 0x03, 0x04])
        let header = try XCTUnwrap((bytes.startIndex..<(bytes.endIndex - 30 - name.count)).first { i in
            bytes[i..<(i + 4)] == magic && bytes[(i + 30)..<(i + 30 + name.count)] == name
        }, "the sheet's local header")
        let data = header + 30 + name.count + (Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8)
        XCTAssertLessThan(bytes.count - data, 65_535)
        bytes.replaceSubrange(data..<(data + 5), with: [0x00, 0xFF, 0xFF, 0x00, 0x00])
        try bytes.write(to: url)
        XCTAssertEqual(try readError(url.path).reason,
                       "xl/worksheets/sheet1.xml cannot be decompressed (the deflate data ends before its last block)")
    }

    /// Sets the uncompressed size that the ZIP's local and central headers give for `name`.
    private func declareSize(_ size: UInt32, of name: String, in bytes: inout Data) throws {
        let nameBytes = Data(name.utf8)
        let le = withUnsafeBytes(of: size.littleEndian) { Data($0) }
        var patched = 0
        // (signature, offset of the uncompressed size, offset of the name length, of the name)
        for (signature, sizeAt, lengthAt, nameAt) in [(Data([0x50, 0x4B, 0x03, 0x04]), 22, 26, 30),
                                                     (Data([0x50, 0x4B, 0x01, 0x02]), 24, 28, 46)] {
            var from = bytes.startIndex
            while let found = bytes.range(of: signature, in: from..<bytes.endIndex) {
                let start = found.lowerBound
                let length = Int(bytes[start + lengthAt]) | Int(bytes[start + lengthAt + 1]) << 8
                if bytes[(start + nameAt)..<(start + nameAt + length)] == nameBytes {
                    bytes.replaceSubrange((start + sizeAt)..<(start + sizeAt + 4), with: le)
                    patched += 1
                }
                from = found.upperBound
            }
        }
        XCTAssertEqual(patched, 2, "\(name) has a local and a central header")
    }
}
