import Foundation
import XCTest
@testable import Formats
@testable import Shared
@testable import TestSupport

/// Bad input: every failure is an `ImageFileError` naming the file, never a crash, and
/// nothing is allocated for a size the bytes do not back.
final class ImageFileHostileTests: XCTestCase {
    static let fixtureFiles = ["rgb444.jpg", "rgb420.jpg", "rgb422_progressive.jpg", "gray.jpg", "pal1.bmp", "pal4.bmp",
                               "pal8.bmp", "core4.bmp", "rgb555.bmp", "rgb565.bmp", "rgb24.bmp", "rgb24_topdown.bmp",
                               "rgb32.bmp", "v4_bgra.bmp", "v5_rgba.bmp"]

    func fixture(_ file: String) throws -> [UInt8] { try ImageFile.read(ImageFileFixtureTests.path(file)) }

    /// The error `decode` throws for `bytes`, asserting that it throws one naming `name`.
    @discardableResult
    func decodeError(_ bytes: [UInt8], _ name: String = "bad", maxPixels: Int = PNGImage.defaultMaxPixels,
                     file: StaticString = #filePath, line: UInt = #line) -> ImageFileError? {
        do {
            _ = try ImageFile.decode(bytes, name: name, maxPixels: maxPixels)
            XCTFail("\(name) decoded", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.file, name, file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("\(name): cannot read: "), file: file, line: line)
            return error
        }
    }

    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }

    func patched(_ bytes: [UInt8], at offset: Int, _ value: [UInt8]) -> [UInt8] {
        var b = bytes
        b.replaceSubrange(offset..<(offset + value.count), with: value)
        return b
    }

    // MARK: Dispatch

    func testKindByMagicBytes() {
        XCTAssertEqual(ImageFile.kind(of: [137, 80, 78, 71, 13, 10, 26, 10, 0]), .png)
        XCTAssertEqual(ImageFile.kind(of: [0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(ImageFile.kind(of: Array("BM".utf8)), .bmp)
        XCTAssertNil(ImageFile.kind(of: []))
        XCTAssertNil(ImageFile.kind(of: [0xFF, 0xD8]))
        XCTAssertNil(ImageFile.kind(of: [137, 80, 78, 71]))
        XCTAssertNil(ImageFile.kind(of: Array("<!DOCTYPE html>".utf8)))
    }

    func testUnknownAndEmptyFiles() {
        XCTAssertEqual(decodeError(Array("<!DOCTYPE html>".utf8), "page.png")?.reason,
                       "not a PNG, JPEG or BMP file (first bytes 3c 21 44 4f)")
        XCTAssertEqual(decodeError([7], "one")?.reason, "not a PNG, JPEG or BMP file (first bytes 07)")
        XCTAssertEqual(decodeError([], "empty")?.reason, "empty file, not a PNG, JPEG or BMP file")
        XCTAssertThrowsError(try ImageFile.decodeRGB([1, 2, 3], name: "x")) { XCTAssertEqual(($0 as? ImageFileError)?.file, "x") }
    }

    func testFilesThatCannotBeOpened() throws {
        let missing = "/nonexistent-\(UUID().uuidString).bmp"
        XCTAssertThrowsError(try ImageFile.read(missing)) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: missing, reason: "No such file or directory"))
            XCTAssertEqual("\(error)", "\(missing): cannot read: No such file or directory")
        }
        XCTAssertThrowsError(try ImageFile.size(of: missing)) { XCTAssertEqual(($0 as? ImageFileError)?.file, missing) }
        let folder = try temporaryFolder(self, prefix: "ultraad-images")
        XCTAssertThrowsError(try ImageFile.size(of: folder.path)) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: folder.path, reason: "Is a directory"))
        }
        let text = folder.appendingPathComponent("notes.jpg").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ImageFile.size(of: text)) { error in
            XCTAssertEqual((error as? ImageFileError)?.reason, "not a PNG, JPEG or BMP file (first bytes 68 65 6c 6c)")
        }
    }

    // MARK: Truncation and corruption

    /// Every prefix fails cleanly; a BMP may lack only its last row's padding.
    func testEveryTruncationFailsCleanly() throws {
        for file in Self.fixtureFiles {
            let bytes = try fixture(file)
            let full = try ImageFile.decode(bytes, name: file)
            let padding = file.hasSuffix(".bmp") ? lastRowPadding(width: full.width, bits: bitsPerPixel(bytes)) : 0
            for length in 0..<bytes.count {
                let cut = Array(bytes.prefix(length))
                if length >= bytes.count - padding {
                    XCTAssertEqual(try ImageFile.decode(cut, name: file), full, "\(file) without its last padding")
                } else {
                    decodeError(cut, file)
                }
            }
        }
    }

    func bitsPerPixel(_ bmp: [UInt8]) -> Int { bmp[14] == 12 ? Int(bmp[24]) : Int(bmp[28]) }

    func lastRowPadding(width: Int, bits: Int) -> Int { (width * bits + 31) / 32 * 4 - (width * bits + 7) / 8 }

    /// Random byte changes (a light, seeded fuzz; the headers more often): decode either
    /// succeeds with consistent sizes or throws an error naming the file.
    func testCorruptedBytesNeverCrash() throws {
        var rng = SplitMix64(seed: 20250301)
        for file in Self.fixtureFiles {
            let bytes = try fixture(file)
            for round in 0..<400 {
                var b = bytes
                for _ in 0..<(1 + round % 4) {
                    let i = round % 2 == 0 ? Int.random(in: 0..<min(b.count, 80), using: &rng) : Int.random(in: 0..<b.count, using: &rng)
                    b[i] = UInt8.random(in: 0...255, using: &rng)
                }
                do {
                    let d = try ImageFile.decode(b, name: file, maxPixels: 1 << 20)
                    XCTAssertEqual(d.samples.count, d.width * d.height * d.channels, file)
                    _ = d.maskValues()
                } catch {
                    XCTAssertEqual(error.file, file)
                }
            }
        }
    }

    // MARK: Size limits

    func testMaxPixelsIsRefusedBeforeDecoding() throws {
        for (file, width, height) in [("rgb420.jpg", 16, 9), ("pal8.bmp", 16, 9), ("v5_rgba.bmp", 7, 5)] {
            let limit = width * height - 1
            XCTAssertEqual(decodeError(try fixture(file), file, maxPixels: limit)?.reason,
                           "image is \(width) x \(height), more than the limit of \(limit) pixels")
            XCTAssertEqual(try ImageFile.decode(try fixture(file), name: file, maxPixels: limit + 1).width, width)
        }
        let png = Fixtures.url("png/rgb8.png").path
        let bytes = try ImageFile.read(png)
        XCTAssertEqual(decodeError(bytes, png, maxPixels: 14)?.reason, "image is 5 x 3, more than the limit of 14 pixels")
        XCTAssertThrowsError(try ImageFile.decodeRGB(bytes, name: png, maxPixels: 14)) { error in
            XCTAssertEqual((error as? ImageFileError)?.reason, "image is 5 x 3, more than the limit of 14 pixels")
        }
        XCTAssertEqual(try ImageFile.decode(bytes, name: png, maxPixels: 15).width, 5)
    }

    /// A JPEG whose frame header claims 60000 x 60000: the size is reported, the decode is
    /// refused by the pixel limit before any buffer exists.
    func testJPEGDeclaringAHugeFrame() throws {
        var bytes = try fixture("rgb444.jpg")
        guard let sof = (0..<(bytes.count - 1)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) else {
            return XCTFail("no SOF0 marker")
        }
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])
        let folder = try temporaryFolder(self, prefix: "ultraad-images")
        let path = folder.appendingPathComponent("huge.jpg").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ImageFile.size(of: path).width, 60000)
        XCTAssertEqual(decodeError(bytes, path)?.reason, "image is 60000 x 60000, more than the limit of \(PNGImage.defaultMaxPixels) pixels")
        // Within a larger limit the file's bytes cannot hold it: still nothing allocated.
        XCTAssertEqual(decodeError(bytes, path, maxPixels: 1 << 32)?.reason,
                       "JPEG: 60000 x 60000 needs at least 7031250 bytes of coded data, the file has \(bytes.count) (cut short)")
        // 300 x 300 fits the bytes' bound; libjpeg then runs out of data.
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: [0x01, 0x2C, 0x01, 0x2C])
        XCTAssertTrue(decodeError(bytes, path)?.reason.hasPrefix("not a readable JPEG: turbojpeg: ") ?? false)
        let cut = Array(try fixture("gray.jpg").prefix(200))
        XCTAssertTrue(decodeError(cut, "gray.jpg")?.reason.hasPrefix("not a readable JPEG: turbojpeg: ") ?? false)
    }

    /// A PNG whose IHDR claims 60000 x 60000 RGB in 116 bytes: refused before libpng
    /// allocates rows (deflate cannot expand 116 bytes that far), by both decoders.
    func testPNGDeclaringMoreThanItsBytesCanHold() throws {
        let png = Fixtures.url("png/rgb8.png").path
        let huge = patched(patched(try ImageFile.read(png), at: 16, [0, 0, 0xEA, 0x60]), at: 20, [0, 0, 0xEA, 0x60])
        let reason = "PNG: 60000 x 60000 needs at least 10465117 bytes of compressed data, the file has 116 (cut short)"
        XCTAssertEqual(decodeError(huge, png, maxPixels: .max)?.reason, reason)
        XCTAssertThrowsError(try ImageFile.decodeRGB(huge, name: png, maxPixels: .max)) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: png, reason: reason))
        }
        XCTAssertNoThrow(try PNGHeader.checkCodedSize(try ImageFile.read(png), name: png))
    }

    // MARK: BMP headers

    func smallBMP() throws -> [UInt8] {
        try BMPImage.encodeRGB24(width: 3, height: 2, pixels: (0..<18).map { Float($0) / 17 })
    }

    func testBMPDeclaredSizesAreTrustedOnlyUpToTheBytes() throws {
        let bmp = try smallBMP()
        // 1000 x 1000 declared, 6 pixels present.
        let big = patched(patched(bmp, at: 18, le32(1000)), at: 22, le32(1000))
        XCTAssertEqual(decodeError(big)?.reason,
                       "BMP: pixel data is cut short (24 bytes after offset 54, 1000 x 1000 at 24 bits needs 3000000)")
        // 2^31 - 1 square: the pixel limit, before anything is allocated; with no limit, the bytes.
        let huge = patched(patched(bmp, at: 18, le32(0x7FFF_FFFF)), at: 22, le32(0x7FFF_FFFF))
        XCTAssertEqual(decodeError(huge)?.reason,
                       "image is 2147483647 x 2147483647, more than the limit of \(PNGImage.defaultMaxPixels) pixels")
        XCTAssertEqual(decodeError(huge, maxPixels: .max)?.reason, "BMP: pixel data is cut short (24 bytes after offset 54, "
                       + "2147483647 x 2147483647 at 24 bits needs more than 2^63)")
        // Int32.min as height (top-down of 2^31 rows), negative and zero sizes.
        XCTAssertEqual(decodeError(patched(bmp, at: 22, le32(0x8000_0000)))?.reason,
                       "image is 3 x 2147483648, more than the limit of \(PNGImage.defaultMaxPixels) pixels")
        XCTAssertEqual(decodeError(patched(bmp, at: 18, le32(UInt32(bitPattern: -3))))?.reason, "BMP declares size -3 x 2")
        XCTAssertEqual(decodeError(patched(bmp, at: 22, le32(0)))?.reason, "BMP declares size 3 x 0")
        // Pixel data offset past the end, file size field and image size field lying.
        XCTAssertEqual(decodeError(patched(bmp, at: 10, le32(5000)))?.reason,
                       "BMP: pixel data offset 5000 is not within 54...78 (the headers' end to the file's end)")
        XCTAssertEqual(decodeError(patched(bmp, at: 10, le32(20)))?.reason,
                       "BMP: pixel data offset 20 is not within 54...78 (the headers' end to the file's end)")
        let lying = patched(patched(bmp, at: 2, le32(0xFFFF_FFFF)), at: 34, le32(0xFFFF_FFFF))
        XCTAssertEqual(try ImageFile.decode(lying, name: "x"), try ImageFile.decode(bmp, name: "x"))
    }

    func testBMPUnsupportedLayoutsAreNamed() throws {
        let bmp = try smallBMP()
        let reasons: [(Int, UInt32, String)] = [
            (30, 1, "BMP: RLE8 compression is not supported"),
            (30, 2, "BMP: RLE4 compression is not supported"),
            (30, 4, "BMP: JPEG-in-BMP compression is not supported"),
            (30, 5, "BMP: PNG-in-BMP compression is not supported"),
            (30, 11, "BMP: CMYK compression is not supported"),
            (30, 99, "BMP: type 99 compression is not supported"),
            (30, 3, "BMP: bit masks with 24 bits per pixel are not supported"),
            (14, 64, "BMP: info header of 64 bytes is not supported (12, 40, 52, 56, 108 or 124)"),
        ]
        for (offset, value, reason) in reasons {
            XCTAssertEqual(decodeError(patched(bmp, at: offset, le32(value)))?.reason, reason)
        }
        XCTAssertEqual(decodeError(patched(bmp, at: 28, [2, 0]))?.reason, "BMP: 2 bits per pixel is not supported")
        XCTAssertEqual(decodeError(Array(bmp.prefix(20)))?.reason, "BMP: file ends inside its headers (20 bytes)")
        XCTAssertEqual(decodeError(Array("BM".utf8))?.reason, "BMP: file ends inside its headers (2 bytes)")
    }

    /// A palette declared larger than the bytes before the pixels holds the entries present;
    /// indices without an entry read as black.
    func testBMPPaletteBeyondItsBytes() throws {
        let bmp = try fixture("pal4.bmp")   // 12 colors declared, 4 bits per pixel
        let full = try ImageFile.decode(bmp, name: "pal4.bmp")
        XCTAssertEqual(try ImageFile.decode(patched(bmp, at: 46, le32(0xFFFF_FFFF)), name: "pal4.bmp"), full)
        let two = try ImageFile.decode(patched(bmp, at: 46, le32(2)), name: "pal4.bmp")
        let indices = bmp[(54 + 48)...].flatMap { [Int($0 >> 4), Int($0 & 15)] }
        for i in 0..<(two.width * two.height) {
            let row = i / 7, col = i % 7
            // Rows are stored bottom-up, 4 bytes (8 indices) each.
            let index = indices[(4 - row) * 8 + col]
            let want = index < 2 ? Array(full.samples[(3 * i)..<(3 * i + 3)]) : [0, 0, 0]
            XCTAssertEqual(Array(two.samples[(3 * i)..<(3 * i + 3)]), want)
        }
    }

    func testBMPHeaderSizeReadsOnlyTheHeader() throws {
        let folder = try temporaryFolder(self, prefix: "ultraad-images")
        let path = folder.appendingPathComponent("cut.bmp").path
        let big = patched(patched(try smallBMP(), at: 18, le32(640)), at: 22, le32(UInt32(bitPattern: -480)))
        try Data(big.prefix(30)).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ImageFile.size(of: path).width, 640)
        XCTAssertEqual(try ImageFile.size(of: path).height, 480)
        try Data(big.prefix(20)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ImageFile.size(of: path)) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: path, reason: "BMP: file ends inside its headers (20 bytes)"))
        }
        try Data().write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ImageFile.size(of: path)) { error in
            XCTAssertEqual((error as? ImageFileError)?.reason, "empty file, not a PNG, JPEG or BMP file")
        }
    }
}
