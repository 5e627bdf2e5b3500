import Foundation
import XCTest
@testable import Formats
@testable import Shared
@testable import TestSupport

/// `ImageFile.decode` against Pillow. Fixtures: Tests/TestSupport/Fixtures/images, made by
/// scripts/fixtures/make_image_fixtures.py; expected.json holds Pillow's uint8 samples.
final class ImageFileFixtureTests: XCTestCase {
    struct Expected: Decodable {
        struct Image: Decodable {
            var file: String
            var width: Int
            var height: Int
            var channels: Int
            var note: String
            /// Bit masks narrower than 8 bits: Pillow stores floor(v * 255 / maxval).
            var fieldBits: [Int]?
            var samples: String   // hex of uint8 [H, W, channels]
        }
        var version: Int
        var images: [Image]
    }

    static func expected() throws -> Expected {
        let data = try Data(contentsOf: Fixtures.url("images/expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    static func path(_ file: String) -> String { Fixtures.url("images/" + file).path }

    static func hexBytes(_ hex: String) -> [Int] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { Int(String(decoding: digits[$0...($0 + 1)], as: UTF8.self), radix: 16) ?? -1 }
    }

    func testDecodeEqualsPillow() throws {
        let e = try Self.expected()
        XCTAssertEqual(e.version, 1)
        XCTAssertEqual(e.images.count, 20)
        for im in e.images {
            let path = Self.path(im.file)
            let d = try ImageFile.decode(try ImageFile.read(path), name: path)
            XCTAssertEqual([d.width, d.height, d.channels], [im.width, im.height, im.channels], im.file)
            XCTAssertEqual(d.samples.count, im.width * im.height * im.channels, im.file)
            // 8-bit fields: exactly v / 255. Narrower fields: v / maxval, which Pillow
            // truncates to floor(255 v / maxval); v -> that is one-to-one, so this is exact too.
            let ours = d.samples.map { im.fieldBits == nil ? Int(($0 * 255).rounded()) : Int(($0 * 255 + 1e-3).rounded(.down)) }
            XCTAssertEqual(ours, Self.hexBytes(im.samples), "\(im.file): \(im.note)")
            if im.fieldBits == nil {
                XCTAssertEqual(d.samples, ours.map { Float($0) / 255 }, "\(im.file): not exactly v / 255")
            }
        }
    }

    func testNarrowFieldsAreValueOverMaxval() throws {
        // rgb565.bmp: green has 6 bits, so every green sample is k / 63.
        let d = try ImageFile.decode(try ImageFile.read(Self.path("rgb565.bmp")), name: "rgb565.bmp")
        for i in stride(from: 1, to: d.samples.count, by: 3) {
            let k = (d.samples[i] * 63).rounded()
            XCTAssertEqual(d.samples[i], k / 63)
        }
    }

    func testKindAndSizeAgreeWithDecode() throws {
        let e = try Self.expected()
        let kinds: [String: ImageFileKind] = ["jpg": .jpeg, "bmp": .bmp, "png": .png]
        for im in e.images {
            let path = Self.path(im.file)
            let bytes = try ImageFile.read(path)
            XCTAssertEqual(ImageFile.kind(of: bytes), kinds[URL(fileURLWithPath: path).pathExtension], im.file)
            let size = try ImageFile.size(of: path)
            XCTAssertEqual([size.width, size.height], [im.width, im.height], im.file)
        }
        let cmyk = Self.path("cmyk.jpg")
        XCTAssertEqual(ImageFile.kind(of: try ImageFile.read(cmyk)), .jpeg)
        XCTAssertEqual(try ImageFile.size(of: cmyk).width, 7)
    }

    func testCMYKJPEGIsRefused() throws {
        let path = Self.path("cmyk.jpg")
        XCTAssertThrowsError(try ImageFile.decode(try ImageFile.read(path), name: path)) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: path, reason: "JPEG: CMYK images are not supported"))
        }
    }

    /// For PNG, `decodeRGB` is `PNGImage.decodeRGB` bit for bit, and `decode` gives the
    /// stored channels, which composite to the same values (alpha files: within rounding).
    func testPNGDecodeKeepsChannelsAndDecodeRGBIsUnchanged() throws {
        let folder = Fixtures.url("png")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".png") }.sorted()
        XCTAssertEqual(files.count, 19)
        for file in files {
            let path = folder.appendingPathComponent(file).path
            let bytes = try ImageFile.read(path)
            let reference = try PNGImage.decodeRGB(bytes, name: path)
            XCTAssertEqual(try ImageFile.decodeRGB(bytes, name: path), reference, file)
            let d = try ImageFile.decode(bytes, name: path)
            let size = try ImageFile.size(of: path)
            XCTAssertEqual([size.width, size.height, d.width, d.height], [reference.width, reference.height, reference.width, reference.height], file)
            let composited = d.rgb().pixels
            if d.hasAlpha {
                // 8-bit: one Float rounding apart; 16-bit: un-premultiplied and multiplied again.
                let tolerance: Float = file.contains("16") ? 2.0 / 65535 : 1e-6
                let worst = zip(composited, reference.pixels).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, tolerance, file)
            } else {
                XCTAssertEqual(composited, reference.pixels, file)
            }
            XCTAssertEqual(d.channels, file.hasPrefix("gray") ? (d.hasAlpha ? 2 : 1) : (d.hasAlpha ? 4 : 3), file)
        }
    }

    func testUnpremultiplyIsExactWhereOpaque() {
        var pixels: [UInt16] = [30000, 65535, 0, 0, 1000, 0, 32768, 65535, 32768, 32768]
        PNGImage.unpremultiply(&pixels, channels: 2)
        XCTAssertEqual(pixels, [30000, 65535, 0, 0, 0, 0, 32768, 65535, 65535, 32768])
    }
}
