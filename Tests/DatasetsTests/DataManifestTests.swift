@testable import Datasets
import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// CSV manifests: columns, relative paths, labels, sites and every bad case.
final class DataManifestTests: XCTestCase {
    /// Images for the manifests below, under `img/`.
    func makeImages(_ dir: DataTestFolder) throws {
        try dir.png("img/n1.png", value: 0.2)
        try dir.png("img/n2.png", value: 0.25)
        try dir.png("img/b, 3.png", value: 0.5)
        try dir.mask("img/b, 3_m.png", rows: 0..<2, cols: 0..<2)
        try dir.png("img/m4.png", value: 0.8)
        try dir.mask("img/m4_a.png", rows: 0..<1, cols: 0..<8)
        try dir.mask("img/m4_b.png", rows: 5..<6, cols: 0..<8)
    }

    func testManifestWithRelativePathsLabelsAndMultipleMasks() throws {
        let dir = try DataTestFolder(self)
        try makeImages(dir)
        try dir.text("lists/all.csv", """
            label,image,mask,site,note
            malignant,../img/m4.png,../img/m4_a.png;../img/m4_b.png,,two masks
            1,"../img/b, 3.png","../img/b, 3_m.png",,quoted
            Normal,../img/n2.png,,,
            0,\(dir.url("img/n1.png")),,,absolute

            """)
        let d = try Dataset.load(site: "H1", from: dir.url("lists/all.csv"))
        XCTAssertEqual(d.name, "H1")
        XCTAssertEqual(d.entries.map(\.label), [.normal, .normal, .benign, .malignant])
        XCTAssertEqual(d.entries.map(\.relativePath), [dir.url("img/n1.png"), "../img/n2.png", "../img/b, 3.png", "../img/m4.png"])
        XCTAssertTrue(d.entries.allSatisfy { $0.site == "H1" })
        let m = try d.entries[3].load()
        XCTAssertEqual(m.mask.data.reduce(0, +), 16, "both mask rows OR-merged")
        XCTAssertEqual(try d.entries[2].load().mask.data.reduce(0, +), 4)
        XCTAssertEqual(try d.entries[1].load().mask.data.reduce(0, +), 0)
        XCTAssertEqual(try Dataset.sitesInManifest(dir.url("lists/all.csv")), [])
    }

    func testSitesInOneManifest() throws {
        let dir = try DataTestFolder(self)
        try makeImages(dir)
        try dir.text("m.csv", """
            image,mask,label,site\r
            img/n1.png,,normal,north\r
            img/m4.png,img/m4_a.png,malignant,south\r
            img/n2.png,,normal,south\r

            """)
        XCTAssertEqual(try Dataset.sitesInManifest(dir.url("m.csv")), ["north", "south"])
        XCTAssertEqual(try Dataset.load(site: "south", from: dir.url("m.csv")).entries.map(\.relativePath),
                       ["img/n2.png", "img/m4.png"])
        XCTAssertEqual(try Dataset.load(site: "north", from: dir.url("m.csv")).entries.count, 1)
        let e = assertDatasetError("m.csv") { _ = try Dataset.load(site: "east", from: dir.url("m.csv")) }
        XCTAssertEqual(e, .siteNotInManifest(manifest: dir.url("m.csv"), site: "east", available: ["north", "south"]))

        try dir.text("mixed.csv", "image,mask,label,site\nimg/n1.png,,normal,north\nimg/n2.png,,normal,\n")
        let mixed = assertDatasetError("mixed.csv") { _ = try Dataset.load(site: "north", from: dir.url("mixed.csv")) }
        XCTAssertEqual(mixed, .badManifest(manifest: dir.url("mixed.csv"), line: 3, reason: "empty site while other rows name one"))
    }

    func testUnknownLabel() throws {
        let dir = try DataTestFolder(self)
        try makeImages(dir)
        try dir.text("m.csv", "image,mask,label,site\nimg/n1.png,,normal,\nimg/n2.png,,cyst,\n")
        let e = assertDatasetError("m.csv") { _ = try Dataset.load(site: "A", from: dir.url("m.csv")) }
        XCTAssertEqual(e, .unknownLabel(manifest: dir.url("m.csv"), line: 3, label: "cyst"))
        XCTAssertTrue(e?.description.contains("m.csv:3") ?? false)
        let d = try Dataset.load(site: "A", from: dir.url("m.csv"), options: .init(skipBad: true))
        XCTAssertEqual(d.entries.count, 1)
        XCTAssertEqual(d.skipped.count, 1)
    }

    func testMissingFilesAndMasks() throws {
        let dir = try DataTestFolder(self)
        try makeImages(dir)
        let rows = [
            "img/gone.png,,normal,",                 // image does not exist
            "img/m4.png,,malignant,",                // abnormal without mask
            ",img/m4_a.png,benign,",                 // mask without image
            "img/n2.png,,normal,",                   // fine
            "img/b, 3.png,img/absent_mask.png,benign,",   // mask file missing (unquoted comma!)
        ]
        try dir.text("a.csv", "image,mask,label,site\n" + rows[0] + "\n")
        assertDatasetError("img/gone.png") { _ = try Dataset.load(site: "A", from: dir.url("a.csv")) }
        try dir.text("b.csv", "image,mask,label,site\n" + rows[1] + "\n")
        assertDatasetError("img/m4.png") { _ = try Dataset.load(site: "A", from: dir.url("b.csv")) }
        try dir.text("c.csv", "image,mask,label,site\n" + rows[2] + "\n")
        assertDatasetError("img/m4_a.png") { _ = try Dataset.load(site: "A", from: dir.url("c.csv")) }
        try dir.text("d.csv", "image,mask,label,site\n\"img/b, 3.png\",img/absent_mask.png,benign,\n")
        assertDatasetError("img/absent_mask.png") { _ = try Dataset.load(site: "A", from: dir.url("d.csv")) }
        try dir.text("e.csv", "image,mask,label,site\n" + rows[0...3].joined(separator: "\n")
                     + "\n\"img/b, 3.png\",img/absent_mask.png,benign,\n")
        let d = try Dataset.load(site: "A", from: dir.url("e.csv"), options: .init(skipBad: true))
        XCTAssertEqual(d.entries.map(\.relativePath), ["img/n2.png"])
        XCTAssertEqual(d.skipped.count, 4)
        // An unquoted comma shifts the columns: a clear row error, even with skipBad.
        try dir.text("f.csv", "image,mask,label,site\n" + rows[4] + "\n")
        let e = assertDatasetError("f.csv") { _ = try Dataset.load(site: "A", from: dir.url("f.csv"), options: .init(skipBad: true)) }
        XCTAssertEqual(e, .badManifest(manifest: dir.url("f.csv"), line: 2, reason: "5 fields, the header has 4"))
    }

    func testMaskOfAnotherSize() throws {
        let dir = try DataTestFolder(self)
        try makeImages(dir)
        try dir.mask("img/small.png", width: 3, height: 3, rows: 0..<1, cols: 0..<1)
        try dir.text("m.csv", "image,mask,label\nimg/m4.png,img/small.png,2\n")
        let e = assertDatasetError("img/small.png") { _ = try Dataset.load(site: "A", from: dir.url("m.csv")) }
        XCTAssertEqual(e, .sizeMismatch(mask: dir.url("img/small.png"), maskWidth: 3, maskHeight: 3,
                                        image: dir.url("img/m4.png"), width: 8, height: 6))
    }

    func testMalformedManifests() throws {
        let dir = try DataTestFolder(self)
        try makeImages(dir)
        let cases: [(String, Int, String)] = [
            ("", 1, "empty file"),
            ("image,label\nimg/n1.png,normal\n", 1, "lacks column(s) mask"),
            ("image,mask,label\nimg/n1.png,,normal\nimg/n1.png,,normal\n", 3, "listed again (first on line 2)"),
            ("image,mask,label\n\"img/n1.png,,normal\n", 2, "not closed"),
            ("image,mask,label\nimg/\"n1.png,,normal\n", 2, "quote inside an unquoted field"),
            ("image,mask,label\n,,normal\n", 2, "empty image path"),
        ]
        for (i, (text, line, fragment)) in cases.enumerated() {
            try dir.text("bad\(i).csv", text)
            let e = assertDatasetError("bad\(i).csv") { _ = try Dataset.load(site: "A", from: dir.url("bad\(i).csv")) }
            guard case let .badManifest(_, l, reason)? = e else { XCTFail("case \(i): \(String(describing: e))"); continue }
            XCTAssertEqual(l, line, "case \(i)")
            XCTAssertTrue(reason.contains(fragment), "case \(i): \(reason)")
        }
    }

    func testCSVParserQuotingAndRoundTrip() throws {
        let fields = ["a", "b, c", "say \"hi\"", "", " padded ", "line\nbreak"]
        let text = CSV.format(fields) + CSV.format(["x"])
        let records = try CSV.parse(text)
        XCTAssertEqual(records.map(\.fields), [fields, ["x"]])
        XCTAssertEqual(records.map(\.line), [1, 3])
        XCTAssertEqual(try CSV.parse("\u{FEFF}a,b\r\n\r\nc,d").map(\.fields), [["a", "b"], ["c", "d"]])
    }
}
