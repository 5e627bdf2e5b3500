@testable import Datasets
import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// BUSI folder layout: order, labels, merged masks and every bad case.
final class DataLoaderTests: XCTestCase {
    func testBUSIFolderOrderLabelsAndMasks() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.text("README.txt", "not an image")
        try dir.text("benign/notes.txt", "ignored")
        let d = try Dataset.load(site: "A", from: dir.path)
        XCTAssertEqual(d.name, "A")
        XCTAssertEqual(d.entries.map(\.relativePath), [
            "normal/normal (1).png", "normal/normal (2).png",
            "benign/benign (2).png", "benign/benign (10).png",
            "malignant/malignant (1).png",
        ])
        XCTAssertEqual(d.entries.map(\.label.rawValue), [0, 0, 1, 1, 2])
        XCTAssertEqual(d.entries.map(\.id).first, "A/normal/normal (1).png")
        XCTAssertEqual(d.counts, [.normal: 2, .benign: 2, .malignant: 1])
        XCTAssertTrue(d.skipped.isEmpty)
        XCTAssertEqual(d.entries[0].maskPaths, [], "a normal image's black mask is not used")

        // Normal: mask all zeros, with or without a mask file.
        for e in d.entries(of: .normal) {
            let x = try e.load()
            XCTAssertEqual(x.image.shape, [3, 6, 8])
            XCTAssertEqual(x.mask.data.reduce(0, +), 0)
        }
        // Malignant: _mask and _mask_1 OR-merged.
        let m = try d.entries[4].load()
        XCTAssertEqual(m.label, .malignant)
        XCTAssertEqual(m.mask.data.reduce(0, +), 8)
        XCTAssertEqual(m.mask[0, 0], 1)
        XCTAssertEqual(m.mask[5, 7], 1)
        XCTAssertEqual(m.mask[3, 3], 0)
        XCTAssertEqual(m.image[1, 2, 2], Float(179) / 255, accuracy: 1e-6)   // 0.7 quantized
        let b = try d.entries[2].load()
        XCTAssertEqual(b.mask.data.reduce(0, +), 6)
    }

    func testClassFoldersMayBeMissingOrCapitalized() throws {
        let dir = try DataTestFolder(self)
        try dir.png("Benign/x (1).png")
        try dir.mask("Benign/x (1)_mask.png", rows: 0..<1, cols: 0..<1)
        let d = try Dataset.load(site: "s", from: dir.path)
        XCTAssertEqual(d.entries.map(\.relativePath), ["Benign/x (1).png"])
    }

    func testImageDigestIsFNV1aOfTheFileBytes() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        let d = try Dataset.load(site: "A", from: dir.path)
        let e = d.entries[2]
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: e.imagePath)))
        XCTAssertEqual(try e.imageDigest(), fnv1aDigest(bytes))
        XCTAssertEqual(try e.imageDigest().count, 16)
        XCTAssertNotEqual(try e.imageDigest(), try d.entries[3].imageDigest())
    }

    func testAbnormalImageWithoutMask() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.png("benign/benign (5).png")
        let e = assertDatasetError("benign/benign (5).png") { _ = try Dataset.load(site: "A", from: dir.path) }
        XCTAssertEqual(e, .missingMask(image: dir.url("benign/benign (5).png"), expected: dir.url("benign/benign (5)_mask.png")))
        let d = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true))
        XCTAssertEqual(d.entries.count, 5)
        XCTAssertEqual(d.skipped, [e!])
    }

    func testMaskWithoutImage() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.mask("malignant/malignant (7)_mask_2.png", rows: 0..<1, cols: 0..<1)
        assertDatasetError("malignant/malignant (7)_mask_2.png") { _ = try Dataset.load(site: "A", from: dir.path) }
        let d = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true))
        XCTAssertEqual(d.entries.count, 5)
        XCTAssertEqual(d.skipped.count, 1)
        XCTAssertEqual(d.skipped[0], .orphanMask(mask: dir.url("malignant/malignant (7)_mask_2.png"),
                                                 expectedImage: dir.url("malignant/malignant (7).png")))
        XCTAssertTrue(d.skipped[0].description.contains("mask without an image"))
    }

    func testUnknownClassFolder() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.png("cysts/cyst (1).png")
        try dir.mkdir(".hidden")
        assertDatasetError("cysts") { _ = try Dataset.load(site: "A", from: dir.path) }
        let d = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true))
        XCTAssertEqual(d.skipped.map(\.file), [dir.url("cysts")])
    }

    func testUnreadableImageAndMask() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.text("normal/normal (3).png", "this is not a PNG")
        assertDatasetError("normal/normal (3).png") { _ = try Dataset.load(site: "A", from: dir.path) }
        try dir.remove("normal/normal (3).png")
        try dir.text("benign/benign (10)_mask_1.png", "")
        let e = assertDatasetError("benign/benign (10)_mask_1.png") { _ = try Dataset.load(site: "A", from: dir.path) }
        XCTAssertTrue(e?.description.contains("empty file") ?? false, "\(String(describing: e))")
        let d = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true))
        XCTAssertEqual(d.entries.count, 4)
        XCTAssertEqual(d.skipped.count, 1)
    }

    func testTruncatedImageNeedsDecodeAll() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        let path = dir.url("benign/benign (2).png")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 20).write(to: URL(fileURLWithPath: path))
        // The header is intact, so a header scan accepts it and load() names it.
        let d = try Dataset.load(site: "A", from: dir.path)
        assertDatasetError("benign/benign (2).png") { _ = try d.entries[2].load() }
        assertDatasetError("benign/benign (2).png") {
            _ = try Dataset.load(site: "A", from: dir.path, options: .init(decodeAll: true))
        }
        let skipped = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true, decodeAll: true))
        XCTAssertEqual(skipped.entries.count, 4)
        XCTAssertEqual(skipped.skipped.count, 1)
    }

    func testMaskOfAnotherSize() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.mask("malignant/malignant (1)_mask_1.png", width: 9, height: 6, rows: 0..<1, cols: 0..<1)
        let e = assertDatasetError("malignant/malignant (1)_mask_1.png") { _ = try Dataset.load(site: "A", from: dir.path) }
        XCTAssertEqual(e?.description.contains("9x6"), true)
        XCTAssertEqual(e?.description.contains("8x6"), true)
        let d = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true))
        XCTAssertEqual(d.entries(of: .malignant).count, 0)
        XCTAssertEqual(d.skipped.count, 1)
    }

    func testSkipBadCountsEveryProblem() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI()
        try dir.png("benign/benign (5).png")                                          // no mask
        try dir.mask("benign/benign (6)_mask.png", rows: 0..<1, cols: 0..<1)         // no image
        try dir.png("other/x.png")                                                     // unknown class
        try dir.text("normal/normal (9).png", "junk")                                  // unreadable
        try dir.png("malignant/malignant (2).png")
        try dir.mask("malignant/malignant (2)_mask.png", width: 4, height: 4, rows: 0..<1, cols: 0..<1)  // size
        let d = try Dataset.load(site: "A", from: dir.path, options: .init(skipBad: true))
        XCTAssertEqual(d.entries.count, 5)
        XCTAssertEqual(d.skipped.count, 5)
        XCTAssertEqual(Set(d.skipped.map { ($0.file as NSString).lastPathComponent }),
                       ["benign (5).png", "benign (6)_mask.png", "other", "normal (9).png", "malignant (2)_mask.png"])
    }

    func testNotADataset() throws {
        let dir = try DataTestFolder(self)
        assertDatasetError("missing") { _ = try Dataset.load(site: "A", from: dir.url("missing")) }
        try dir.text("a.txt", "x")
        assertDatasetError("a.txt") { _ = try Dataset.load(site: "A", from: dir.url("a.txt")) }
        try dir.mkdir("empty")
        assertDatasetError("empty") { _ = try Dataset.load(site: "A", from: dir.url("empty")) }
        try dir.mkdir("onlyfolders/benign")
        let e = assertDatasetError("onlyfolders") { _ = try Dataset.load(site: "A", from: dir.url("onlyfolders")) }
        XCTAssertEqual(e, .empty(path: dir.url("onlyfolders")))
    }

    func testMaskThreshold() throws {
        let dir = try DataTestFolder(self)
        try dir.png("benign/b (1).png")
        var values = [Float](repeating: 0, count: 48)
        values[0] = 0.3; values[1] = 0.6; values[2] = 1
        try dir.png("benign/b (1)_mask.png", values: values)
        let half = try Dataset.load(site: "A", from: dir.path).entries[0].load().mask.data
        XCTAssertEqual(Array(half.prefix(4)), [0, 1, 1, 0])
        let low = try Dataset.load(site: "A", from: dir.path, options: .init(maskThreshold: 0.25)).entries[0].load().mask.data
        XCTAssertEqual(Array(low.prefix(4)), [1, 1, 1, 0])
    }

    func testExplicitLayout() throws {
        let dir = try DataTestFolder(self)
        try dir.makeBUSI(root: "busi")
        try dir.text("list.txt", "image,mask,label\nbusi/normal/normal (2).png,,normal\n")
        XCTAssertEqual(try Dataset.load(site: "A", from: dir.url("list.txt"), format: .csv).entries.count, 1)
        assertDatasetError("list.txt") { _ = try Dataset.load(site: "A", from: dir.url("list.txt")) }
        assertDatasetError("busi") { _ = try Dataset.load(site: "A", from: dir.url("busi"), format: .csv) }
        XCTAssertEqual(try Dataset.load(site: "A", from: dir.url("busi"), format: .busi).entries.count, 5)
    }

    func testNaturalOrder() {
        XCTAssertEqual(NaturalOrder.numericID("benign/benign (12).png"), 12)
        XCTAssertEqual(NaturalOrder.numericID("b7/img.png"), nil)
        XCTAssertTrue(NaturalOrder.precedes((.benign, "b/x (9).png"), (.benign, "b/x (10).png")))
        XCTAssertTrue(NaturalOrder.precedes((.benign, "b/x (10).png"), (.benign, "b/y.png")))
        XCTAssertTrue(NaturalOrder.precedes((.normal, "z (99).png"), (.benign, "a (1).png")))
        XCTAssertTrue(NaturalOrder.precedes((.benign, "a/x (3).png"), (.benign, "b/x (3).png")))
    }

    func testLabels() {
        XCTAssertEqual(LesionClass(parsing: " Benign "), .benign)
        XCTAssertEqual(LesionClass(parsing: "2"), .malignant)
        XCTAssertEqual(LesionClass(parsing: "0"), .normal)
        XCTAssertNil(LesionClass(parsing: "3"))
        XCTAssertNil(LesionClass(parsing: "cyst"))
    }
}
