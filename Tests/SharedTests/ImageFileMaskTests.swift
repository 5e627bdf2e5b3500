import XCTest
@testable import Formats
@testable import Shared

/// `DecodedImage.maskValues()`: the largest color channel, alpha ignored, except for a mask
/// of one color whose alpha draws the lesion.
final class ImageFileMaskTests: XCTestCase {
    func image(_ channels: Int, _ pixels: [[Float]]) -> DecodedImage {
        DecodedImage(width: pixels.count, height: 1, channels: channels, samples: pixels.flatMap { $0 })
    }

    func testGrayIsTheGrayValue() {
        XCTAssertEqual(image(1, [[0], [0.25], [1]]).maskValues(), [0, 0.25, 1])
    }

    func testRGBIsTheLargestChannel() {
        XCTAssertEqual(image(3, [[0, 0, 0], [1, 0, 0], [0, 0.5, 0.25], [0.1, 0.2, 0.3]]).maskValues(), [0, 1, 0.5, 0.3])
    }

    func testBlackRGBAWithAlphaLesionIsTheAlpha() {
        XCTAssertEqual(image(4, [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0.6]]).maskValues(), [0, 1, 0.6])
        // Any one color, gray + alpha too.
        XCTAssertEqual(image(4, [[1, 0, 0, 0], [1, 0, 0, 1]]).maskValues(), [0, 1])
        XCTAssertEqual(image(2, [[0, 0], [0, 1], [0, 0.2]]).maskValues(), [0, 1, 0.2])
    }

    func testColorWithAlphaIgnoresAlpha() {
        // The color varies: it draws the mask, and alpha (even 0) does not matter.
        XCTAssertEqual(image(4, [[0, 0, 0, 1], [1, 1, 1, 0], [0, 0.8, 0, 0.3]]).maskValues(), [0, 1, 0.8])
        XCTAssertEqual(image(2, [[0, 1], [1, 0]]).maskValues(), [0, 1])
        // One color and one alpha everywhere: nothing varies, the color counts.
        XCTAssertEqual(image(4, [[1, 1, 1, 0], [1, 1, 1, 0]]).maskValues(), [1, 1])
        XCTAssertEqual(image(4, [[0, 0, 0, 1], [0, 0, 0, 1]]).maskValues(), [0, 0])
    }

    /// Through files: a black RGBA BMP whose alpha is the lesion, a red RGB BMP, a gray PNG.
    func testMasksFromFiles() throws {
        let (w, h) = (4, 3)
        let n = w * h
        let lesion: [Float] = (0..<n).map { $0 % w >= 2 && $0 / w >= 1 ? 1 : 0 }
        let bmp = try BMPImage.encodeRGBA32(width: w, height: h, pixels: [Float](repeating: 0, count: 3 * n) + lesion)
        XCTAssertEqual(try ImageFile.decode(bmp, name: "mask.bmp").maskValues(), lesion)
        let bmpRGB = try BMPImage.encodeRGB24(width: w, height: h, pixels: lesion + lesion.map { $0 / 2 } + [Float](repeating: 0, count: n))
        XCTAssertEqual(try ImageFile.decode(bmpRGB, name: "mask.bmp").maskValues(), lesion)
        let png = try PNGImage.encodeGray8(width: w, height: h, values: lesion)
        XCTAssertEqual(try ImageFile.decode(png, name: "mask.png").maskValues(), lesion)
    }
}
