import XCTest
@testable import Shared

/// A map on CLIP's centre crop, shown on the whole image.
final class CropGeometryTests: XCTestCase {
    func testSquareImageOfTheCropSizeIsTheMapItself() {
        let map = (0..<16).map { Float($0) / 16 }
        XCTAssertEqual(CropGeometry(size: 4, width: 4, height: 4, mode: .crop).mapOnImage(map), map)
    }

    func testWideImageHasItsSidesNotEvaluated() {
        // 8 x 4 image, crop 4: resized to 8 x 4 (already the shorter side), crop columns 2...5.
        let map = (0..<16).map { Float($0) }
        let out = CropGeometry(size: 4, width: 8, height: 4, mode: .crop).mapOnImage(map)
        for y in 0..<4 {
            XCTAssertTrue(out[y * 8].isNaN && out[y * 8 + 1].isNaN && out[y * 8 + 6].isNaN && out[y * 8 + 7].isNaN, "row \(y)")
            XCTAssertEqual(Array(out[(y * 8 + 2)..<(y * 8 + 6)]), Array(map[(y * 4)..<(y * 4 + 4)]), "row \(y): the crop, pixel for pixel")
        }
    }

    func testSquashCoversTheWholeImage() {
        // 8 x 4 image squashed to 4 x 4: columns stretched 2x, rows 1:1, nothing unevaluated.
        let map = (0..<16).map { Float($0) }
        let out = CropGeometry(size: 4, width: 8, height: 4, mode: .squash).mapOnImage(map)
        XCTAssertFalse(out.contains { $0.isNaN })
        XCTAssertEqual(out[0], 0)
        XCTAssertEqual(out[1], 0.25, accuracy: 1e-6, "x = 1.5 / 2 - 0.5 = 0.25")
        XCTAssertEqual(out[8 + 7], 7, "the last column is the map's last")
    }

    func testLargerImageSamplesTheMapBilinearly() {
        // 8 x 8 image of a 4 x 4 crop: each crop pixel covers 2 x 2 image pixels.
        let map: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        let out = CropGeometry(size: 4, width: 8, height: 8, mode: .crop).mapOnImage(map)
        XCTAssertEqual(out[0], 0, "edges clamp")
        XCTAssertEqual(out[1], 0.25, accuracy: 1e-6, "x = 1.5 / 2 - 0.5 = 0.25 of the way to the next")
        XCTAssertEqual(out[8 + 1], 1.25, accuracy: 1e-6, "y 0.25, x 0.25: 0.25 * 4 + 0.25")
        XCTAssertFalse(out.contains { $0.isNaN }, "a square image is all crop")
    }
}
