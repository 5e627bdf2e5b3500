@testable import Datasets
import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Every public layout, read from a replica generated here with the layout's quirks: the
/// loader finds the layout by itself, and gives each image its class, group and merged mask;
/// `data check` finds the planted duplicates, conflicts, resized and skipped masks.
final class LayoutReplicaTests: XCTestCase {
    func check(_ replica: Replica, file: StaticString = #filePath, line: UInt = #line) throws {
        let d = try Dataset.load(site: "S", from: replica.path)
        XCTAssertEqual(d.format, replica.format, "detected layout", file: file, line: line)
        XCTAssertEqual(Set(d.entries.map(\.relativePath)), Set(replica.images.keys), file: file, line: line)
        for e in d.entries {
            guard let want = replica.images[e.relativePath] else { continue }
            XCTAssertEqual(e.label, want.label, e.relativePath, file: file, line: line)
            XCTAssertEqual(e.group, want.group, e.relativePath, file: file, line: line)
            let mask = try e.load().mask.data
            XCTAssertEqual(mask.filter { $0 == 1 }.count, want.lesionPixels, "lesion pixels of \(e.relativePath)", file: file, line: line)
        }
        XCTAssertEqual(d.resizedMasks.sorted(), replica.resizedMasks.sorted(), "resized masks", file: file, line: line)
        let report = DataCheckReport(datasets: [d], scan: try DuplicateScan.run([d], cache: try temporaryFolder(self, prefix: "fp")))
        let site = report.sites[0]
        XCTAssertEqual(site.folder, replica.folder, "dataset folder", file: file, line: line)
        XCTAssertEqual(Set(site.skipped.map(\.path)), Set(replica.skipped), "skipped", file: file, line: line)
        XCTAssertEqual(Set(site.duplicateGroups.map { Set($0) }), Set(replica.duplicates.map { Set($0) }), "duplicate groups", file: file, line: line)
        XCTAssertEqual(Set(site.labelConflicts.map { Set($0) }), Set(replica.labelConflicts.map { Set($0) }), "label conflicts", file: file, line: line)
        XCTAssertEqual(site.images, replica.images.count, file: file, line: line)
        XCTAssertEqual([site.classes.normal, site.classes.benign, site.classes.malignant],
                       [replica.count(.normal), replica.count(.benign), replica.count(.malignant)], file: file, line: line)
        XCTAssertEqual(site.groups, Set(replica.images.values.map(\.group)).count, file: file, line: line)
    }

    func testBUSI() throws { try check(try Replica.busi(in: temporaryFolder(self, prefix: "busi").path)) }
    func testBUSUCLM() throws { try check(try Replica.busUCLM(in: temporaryFolder(self, prefix: "uclm").path)) }
    func testBUSBRA() throws { try check(try Replica.busBRA(in: temporaryFolder(self, prefix: "bra").path)) }
    func testBrEaST() throws { try check(try Replica.breast(in: temporaryFolder(self, prefix: "breast").path)) }
    func testUDIAT() throws { try check(try Replica.udiat(in: temporaryFolder(self, prefix: "udiat").path)) }
    func testManifestWithPatientsAndEveryImageFormat() throws {
        try check(try Replica.manifest(in: temporaryFolder(self, prefix: "csv").path))
    }

    func testNamedFormatsAndTheFolderInsideTheUnzippedOne() throws {
        let root = try temporaryFolder(self, prefix: "named").path
        let r = try Replica.busUCLM(in: root)
        XCTAssertEqual(try Dataset.load(site: "S", from: r.folder, format: .busUCLM).entries.count, r.images.count)
        XCTAssertEqual(try Dataset.load(site: "S", from: root, format: .busUCLM).root, r.folder, "one level down")
        assertDatasetError("BUS-UCLM") { _ = try Dataset.load(site: "S", from: root, format: .busBRA) }
        let two = try temporaryFolder(self, prefix: "two").path
        _ = try Replica.udiat(in: two)
        _ = try Replica.busBRA(in: two)
        let e = assertDatasetError(two) { _ = try Dataset.load(site: "S", from: two) }
        XCTAssertTrue(e?.description.contains("several datasets") == true, "\(String(describing: e))")
    }

    func testTablesFoundBesideOrNamed() throws {
        // BrEaST's table is in the parent; moved away, the error says to name it; named, it loads.
        let root = try temporaryFolder(self, prefix: "table").path
        let r = try Replica.breast(in: root)
        let moved = root + "/tables/elsewhere.xlsx"
        try FileManager.default.createDirectory(atPath: root + "/tables", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: root + "/BrEaST-Lesions-USG-clinical-data.xlsx", toPath: moved)
        let e = assertDatasetError("BrEaST-Lesions_USG-images_and_masks") { _ = try Dataset.load(site: "S", from: r.path) }
        XCTAssertTrue(e?.description.contains("sites[].table") == true, "\(String(describing: e))")
        XCTAssertEqual(try Dataset.load(site: "S", from: r.path, table: moved).entries.count, r.images.count)
        // UDIAT's table in the parent folder is found too.
        let u = try temporaryFolder(self, prefix: "udiat-parent").path
        let ur = try Replica.udiat(in: u)
        try FileManager.default.moveItem(atPath: u + "/DatasetB/DatasetB.xlsx", toPath: u + "/DatasetB.xlsx")
        XCTAssertEqual(try Dataset.load(site: "S", from: ur.folder).entries.count, 6)
    }

    func testBadTablesNameTheFileAndRowOrAreSkipped() throws {
        let root = try temporaryFolder(self, prefix: "bad").path
        let r = try Replica.busUCLM(in: root)
        let info = r.folder + "/INFO.csv"
        let good = try String(contentsOfFile: info, encoding: .utf8)
        // A missing column.
        try good.replacingOccurrences(of: "Label", with: "Class").write(toFile: info, atomically: true, encoding: .utf8)
        let e = assertDatasetError("INFO.csv") { _ = try Dataset.load(site: "S", from: root) }
        XCTAssertTrue(e?.description.contains("no column Label") == true, "\(String(describing: e))")
        // An image without a row: an error, or with skip_bad skipped and counted.
        let lines = good.split(separator: "\n")
        try (lines.filter { !$0.hasPrefix("ALWI_001") }.joined(separator: "\n") + "\n").write(toFile: info, atomically: true, encoding: .utf8)
        assertDatasetError("images/ALWI_001.png") { _ = try Dataset.load(site: "S", from: root) }
        let skipped = try Dataset.load(site: "S", from: root, options: .init(skipBad: true))
        XCTAssertEqual(skipped.entries.count, r.images.count - 1)
        XCTAssertEqual(Set(skipped.skipped.map(\.file)), [r.folder + "/images/ALWI_001.png", r.folder + "/masks/EFRA_001.png"],
                       "the image without a row, and the mask of another shape (always skipped)")
        // A row without an image, and an unknown label, name the table's row.
        try (good + "ZZZZ_000.png;56x40;Benign;No;No;No\n").write(toFile: info, atomically: true, encoding: .utf8)
        let missing = assertDatasetError("INFO.csv") { _ = try Dataset.load(site: "S", from: root) }
        XCTAssertTrue(missing?.description.contains("row 15") == true && missing?.description.contains("ZZZZ_000.png") == true,
                      "\(String(describing: missing))")
        try good.replacingOccurrences(of: "ALWI_001.png;56x40;Benign", with: "ALWI_001.png;56x40;Cyst")
            .write(toFile: info, atomically: true, encoding: .utf8)
        let label = assertDatasetError("INFO.csv") { _ = try Dataset.load(site: "S", from: root) }
        XCTAssertTrue(label?.description.contains("row 3") == true && label?.description.contains("Cyst") == true, "\(String(describing: label))")
        // Without INFO.csv the colour gives the class (and the table-less conflict is gone).
        try FileManager.default.removeItem(atPath: info)
        let byColour = try Dataset.load(site: "S", from: r.folder, format: .busUCLM)
        XCTAssertEqual(byColour.entries.first { $0.relativePath == "images/BEJO_002.png" }?.label, .benign)
        XCTAssertEqual(byColour.labelConflicts, [])
    }

    func testShotsDrawWholePatientsAndNoTestImageSharesAGroupWithAShot() throws {
        let root = try temporaryFolder(self, prefix: "groups").path
        let uclm = try Dataset.load(site: "U", from: try Replica.busUCLM(in: root + "/u").path)
        let busi = try Dataset.load(site: "B", from: try Replica.busi(in: root + "/b").path)
        let scan = try DuplicateScan.run([uclm, busi], cache: URL(fileURLWithPath: root + "/cache"))
        let groups = SplitGroups(datasets: [uclm, busi], duplicates: scan.groups.map(\.members))
        for seed in UInt64(1)...6 {
            let split = try uclm.drawShots(perClass: 1, seed: seed, groupOf: groups.key, conflicted: groups.conflicted)
            let patients = Set(split.support.map(\.group))
            XCTAssertLessThanOrEqual(patients.count, 3, "one patient per class at most")
            XCTAssertEqual(split.support.count, uclm.entries.filter { patients.contains($0.group) }.count, "whole patients")
            XCTAssertTrue(split.test.allSatisfy { !patients.contains($0.group) })
            let b = try busi.drawShots(perClass: 1, seed: seed, groupOf: groups.key, conflicted: groups.conflicted)
            let support = b.support + split.support
            XCTAssertFalse(b.support.contains { $0.relativePath == "benign/benign (3).png" || $0.relativePath == "malignant/malignant (4).png" },
                           "a picture under two labels is never a shot")
            let test = groups.testEntries(of: busi, support: support)
            let shotGroups = Set(support.map(groups.key))
            XCTAssertTrue(test.test.allSatisfy { !shotGroups.contains(groups.key($0)) })
            // A copy of a shot is support too, never a test image.
            if b.support.contains(where: { $0.relativePath == "benign/benign (2).png" }) {
                XCTAssertTrue(b.support.contains { $0.relativePath == "benign/benign (5).png" })
            }
        }
        // More shots than groups: the error names the site, the class and the count.
        let breast = try Dataset.load(site: "BrEaST", from: try Replica.breast(in: root + "/br").path)
        XCTAssertThrowsError(try breast.drawShots(perClass: 3, seed: 1)) { e in
            XCTAssertEqual(e as? ShotsError, .notEnoughGroups(site: "BrEaST", label: .normal, available: 2, requested: 3, images: 2))
            XCTAssertTrue("\(e)".contains("site BrEaST: 2 normal image(s), fewer than the 3 shots"), "\(e)")
        }
        // A site without normal images draws from the classes it has.
        let bra = try Dataset.load(site: "BRA", from: try Replica.busBRA(in: root + "/bra").path)
        for seed in UInt64(1)...4 {
            let s = try bra.drawShots(perClass: 1, seed: seed)
            XCTAssertEqual(Set(s.support.map(\.label)), [.benign, .malignant])
            XCTAssertLessThanOrEqual(Set(s.support.map(\.group)).count, 2, "one case per class, or case 5 for both")
        }
    }

    func testCrossSiteCopiesAreOneGroup() throws {
        let root = try temporaryFolder(self, prefix: "cross").path
        let r = try Replica.busi(in: root + "/a")
        // Site B holds a copy of site A's benign (1), under another name.
        let w = ReplicaWriter(root: root + "/b")
        try w.copy(r.folder + "/benign/benign (1).png", to: "benign/benign (1).png")
        try w.copy(r.folder + "/benign/benign (1)_mask.png", to: "benign/benign (1)_mask.png")
        try w.copy(r.folder + "/normal/normal (2).png", to: "normal/normal (9).png")
        let a = try Dataset.load(site: "A", from: r.path), b = try Dataset.load(site: "B", from: root + "/b")
        let scan = try DuplicateScan.run([a, b], cache: URL(fileURLWithPath: root + "/cache"))
        let report = DataCheckReport(datasets: [a, b], scan: scan)
        XCTAssertEqual(Set(report.crossSiteDuplicateGroups.map { Set($0) }),
                       [["A:benign/benign (1).png", "A:benign/benign (4).png", "B:benign/benign (1).png"],
                        ["A:normal/normal (2).png", "B:normal/normal (9).png"]])
        let groups = SplitGroups(datasets: [a, b], duplicates: scan.groups.map(\.members))
        let shot = a.entries.first { $0.relativePath == "benign/benign (1).png" }!
        let test = groups.testEntries(of: b, support: [shot])
        XCTAssertEqual(test.excluded.map(\.relativePath), ["benign/benign (1).png"])
        XCTAssertEqual(test.test.map(\.relativePath), ["normal/normal (9).png"])
        // A second scan reads the fingerprints from the memo: the same groups.
        let again = try DuplicateScan.run([a, b], cache: URL(fileURLWithPath: root + "/cache"))
        XCTAssertEqual(again.groups.map(\.members), scan.groups.map(\.members))
    }
}
