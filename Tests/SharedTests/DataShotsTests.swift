import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Few-shot support sets: reproducible draws, shots.csv written and reused, and the
/// checks that a reused shot is still the same image.
final class DataShotsTests: XCTestCase {
    /// A site with `n` images per class, each a different value (so different digests).
    func makeSite(_ dir: DataTestFolder, _ root: String, n: Int) throws -> Dataset {
        for c in LesionClass.allCases {
            for k in 1...n {
                let name = "\(root)/\(c.name)/\(c.name) (\(k))"
                try dir.png(name + ".png", value: Float(c.rawValue * 20 + k) / 100)
                if c.isAbnormal { try dir.mask(name + "_mask.png", rows: 0..<2, cols: 0..<2) }
            }
        }
        return try Dataset.load(site: root, from: dir.url(root))
    }

    func testDrawIsReproducibleAndSplitsTheSite() throws {
        let dir = try DataTestFolder(self)
        let d = try makeSite(dir, "A", n: 6)
        let s1 = try d.drawShots(perClass: 2, seed: 7)
        let s2 = try d.drawShots(perClass: 2, seed: 7)
        XCTAssertEqual(s1.support.map(\.relativePath), s2.support.map(\.relativePath))
        XCTAssertEqual(s1.support.map(\.label), [.normal, .normal, .benign, .benign, .malignant, .malignant])
        XCTAssertEqual(s1.test.count, 12)
        XCTAssertEqual(Set(s1.support.map(\.id)).union(s1.test.map(\.id)), Set(d.entries.map(\.id)))
        XCTAssertTrue(Set(s1.support.map(\.id)).isDisjoint(with: s1.test.map(\.id)))
        let draws = Set((0..<8).map { try? d.drawShots(perClass: 2, seed: $0).support.map(\.relativePath) })
        XCTAssertGreaterThan(draws.count, 4, "other seeds draw other shots")
        // Only some classes.
        let abnormal = try d.drawShots(perClass: 1, seed: 7, classes: [.benign, .malignant])
        XCTAssertEqual(abnormal.support.map(\.label), [.benign, .malignant])
        XCTAssertThrowsError(try d.drawShots(perClass: 7, seed: 1)) { e in
            XCTAssertEqual(e as? ShotsError, .notEnoughGroups(site: "A", label: .normal, available: 6, requested: 7, images: 6))
        }
    }

    func testShotsFileRoundTripReusesTheSameShots() throws {
        let dir = try DataTestFolder(self)
        let a = try makeSite(dir, "A", n: 4), b = try makeSite(dir, "B", n: 3)
        let splits = [try a.drawShots(perClass: 2, seed: 3), try b.drawShots(perClass: 1, seed: 3)]
        let path = dir.url("run/shots.csv")
        try dir.mkdir("run")
        try ShotsFile.write(splits, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# ultraad-shots version 1\nsite,label,image,digest\nA,normal,normal/normal ("), text)
        XCTAssertEqual(text.split(separator: "\n").count, 2 + 6 + 3)

        let file = try ShotsFile.read(path)
        XCTAssertEqual(file.sites, ["A", "B"])
        XCTAssertEqual(file.shots[0].line, 3)
        XCTAssertEqual(file.shots[0].digest, try splits[0].support[0].imageDigest())
        let again = try file.splits([a, b])
        XCTAssertEqual(again.map { $0.support.map(\.id) }, splits.map { $0.support.map(\.id) })
        XCTAssertEqual(again.map { $0.test.map(\.id) }, splits.map { $0.test.map(\.id) })
        // A site the file has no shots for: everything is test.
        let c = try makeSite(dir, "C", n: 1)
        XCTAssertEqual(try file.split(c).support.count, 0)
        XCTAssertThrowsError(try file.splits([a])) { e in
            guard case let .unknownSite(_, line, site, known)? = e as? ShotsError else { return XCTFail("\(e)") }
            XCTAssertEqual([String(line), site] + known, ["9", "B", "A"])
        }
    }

    func testChangedMissingOrRelabelledShotImages() throws {
        let dir = try DataTestFolder(self)
        let a = try makeSite(dir, "A", n: 3)
        let split = try a.drawShots(perClass: 1, seed: 11)
        let path = dir.url("shots.csv")
        try ShotsFile.write([split], to: path)
        let file = try ShotsFile.read(path)
        let benign = split.support[1]

        // Same name, other pixels.
        try PNGImage.writeGray8(benign.imagePath, width: 8, height: 6, values: [Float](repeating: 0.99, count: 48))
        let changed = fnv1aDigest([UInt8](try Data(contentsOf: URL(fileURLWithPath: benign.imagePath))))
        XCTAssertThrowsError(try file.split(a)) { e in
            guard case let .digestMismatch(f, line, image, expected, actual)? = e as? ShotsError else { return XCTFail("\(e)") }
            XCTAssertEqual(f, path); XCTAssertEqual(line, 4); XCTAssertEqual(image, benign.imagePath)
            XCTAssertEqual(expected, file.shots[1].digest); XCTAssertNotEqual(actual, expected)
            XCTAssertEqual(actual, changed, "the digest of the file as it is now")
            XCTAssertTrue("\(e)".contains("shots.csv:4") && "\(e)".contains(benign.relativePath), "\(e)")
        }
        // Deleted: in the old dataset listing it cannot be read; reloaded, it is gone.
        try FileManager.default.removeItem(atPath: benign.imagePath)
        try FileManager.default.removeItem(atPath: benign.maskPaths[0])
        XCTAssertThrowsError(try file.split(a)) { e in
            guard case .missingImage(path, 4, benign.imagePath, _)? = e as? ShotsError else { return XCTFail("\(e)") }
        }
        let reloaded = try Dataset.load(site: "A", from: dir.url("A"))
        XCTAssertThrowsError(try file.split(reloaded)) { e in
            XCTAssertEqual(e as? ShotsError, .notInDataset(file: path, line: 4, image: benign.relativePath, site: "A"))
        }
        // Relabelled by hand in shots.csv.
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "A,normal,", with: "A,malignant,")
        try dir.text("relabel.csv", text)
        XCTAssertThrowsError(try ShotsFile.read(dir.url("relabel.csv")).split(reloaded)) { e in
            guard case .labelMismatch(_, 3, _, .malignant, .normal)? = e as? ShotsError else { return XCTFail("\(e)") }
        }
    }

    func testMalformedShotsFiles() throws {
        let dir = try DataTestFolder(self)
        let cases: [(String, String)] = [
            ("# ultraad-shots version 2\nsite,label,image,digest\n", "version 2 is not supported"),
            ("# something else\n", "first line should be"),
            ("site,label,image\n", "expected site,label,image,digest"),
            ("site,label,image,digest\nA,cyst,x.png,0123456789abcdef\n", "unknown label"),
            ("site,label,image,digest\nA,normal,x.png,0123\n", "not 16 hex digits"),
            ("site,label,image,digest\nA,normal,x.png,0123456789abcdef\nA,normal,x.png,0123456789abcdef\n", "listed twice"),
            ("site,label,image,digest\nA,normal,x.png\n", "3 fields"),
        ]
        for (i, (text, fragment)) in cases.enumerated() {
            try dir.text("s\(i).csv", text)
            XCTAssertThrowsError(try ShotsFile.read(dir.url("s\(i).csv"))) { e in
                XCTAssertTrue("\(e)".contains(fragment) && "\(e)".contains("s\(i).csv"), "case \(i): \(e)")
            }
        }
        XCTAssertThrowsError(try ShotsFile.read(dir.url("none.csv"))) { e in
            XCTAssertEqual(e as? ShotsError, .unreadable(file: dir.url("none.csv"), reason: "no such file"))
        }
        // Without the version line, in another column order: version 1.
        try dir.text("ok.csv", "image,digest,site,label\nx (1).png,0123456789ABCDEF,A,1\n")
        XCTAssertEqual(try ShotsFile.read(dir.url("ok.csv")).shots,
                       [.init(site: "A", label: .benign, image: "x (1).png", digest: "0123456789abcdef", line: 2)])
    }
}
