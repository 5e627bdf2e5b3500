import Foundation
import XCTest
@testable import Formats
@testable import Shared
@testable import TestSupport

/// Fixtures: Tests/TestSupport/Fixtures/png, made by scripts/fixtures/make_png_fixtures.py
/// (pypng), with expected.json holding the values of the read policy in docs/FORMATS.md.
final class PNGTests: XCTestCase {
    struct Expected: Decodable {
        struct Image: Decodable {
            var file: String
            var width: Int
            var height: Int
            var bitDepth: Int
            var note: String
            var tolerance: Double
            var rgb: [Double]   // [3, H, W]
            var mask: [Double]  // [H, W]
        }
        var version: Int
        var images: [Image]
    }

    func fixturesDir() throws -> URL { Fixtures.url("png") }

    func expected() throws -> Expected {
        let data = try Data(contentsOf: try fixturesDir().appendingPathComponent("expected.json"))
        let e = try JSONDecoder().decode(Expected.self, from: data)
        XCTAssertEqual(e.version, 1)
        return e
    }

    func fixtureBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try fixturesDir().appendingPathComponent(name)))
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ultraad-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// CRC-32 (PNG chunk CRC), for building hostile headers.
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    func chunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }
        let body = Array(type.utf8) + payload
        return be(UInt32(payload.count)) + body + be(crc32(body))
    }

    // MARK: Every color type and bit depth against the reference values

    func testFixturesMatchExpectedValues() throws {
        let e = try expected()
        XCTAssertEqual(e.images.count, 19)
        let dir = try fixturesDir()
        for im in e.images {
            let path = dir.appendingPathComponent(im.file).path
            let rgb = try PNGImage.readRGB(path)
            XCTAssertEqual(rgb.width, im.width, im.file)
            XCTAssertEqual(rgb.height, im.height, im.file)
            XCTAssertEqual(rgb.pixels.count, im.rgb.count, im.file)
            var worst = 0.0
            for (i, want) in im.rgb.enumerated() where i < rgb.pixels.count {
                worst = max(worst, abs(Double(rgb.pixels[i]) - want))
            }
            XCTAssertLessThanOrEqual(worst, im.tolerance, "\(im.file) (\(im.note)) RGB")
            let mask = try PNGImage.readMask(path)
            XCTAssertEqual(mask.width, im.width, im.file)
            XCTAssertEqual(mask.height, im.height, im.file)
            XCTAssertEqual(mask.values.count, im.mask.count, im.file)
            worst = 0
            for (i, want) in im.mask.enumerated() where i < mask.values.count {
                worst = max(worst, abs(Double(mask.values[i]) - want))
            }
            XCTAssertLessThanOrEqual(worst, im.tolerance, "\(im.file) (\(im.note)) mask")
        }
    }

    func testEightBitAndSixteenBitWithoutAlphaAreExact() throws {
        // Tolerance 1e-6 is far below 1/65535; check the files the JSON says are exact.
        let e = try expected()
        let exact = e.images.filter { $0.tolerance <= 1e-6 }
        XCTAssertTrue(exact.contains { $0.file == "gray16.png" })
        XCTAssertTrue(exact.contains { $0.file == "rgb16.png" })
        XCTAssertTrue(exact.contains { $0.file == "rgba8.png" })
        // Spot check: gray16's first samples are 0, 65535, 1, 65534 by construction.
        let g = try PNGImage.readMask(try fixturesDir().appendingPathComponent("gray16.png").path)
        XCTAssertEqual(Array(g.values.prefix(4)), [0, 1, Float(1.0 / 65535), Float(65534.0 / 65535)])
    }

    func testLibpngAloneWouldApplyGammaChunks() throws {
        // What the chunk filter prevents: libpng's simplified API linearizes 16-bit files
        // that carry gAMA or sRGB and re-encodes 8-bit files whose gAMA is not sRGB-like.
        for name in ["gray8_gama100000.png", "gray16_gama45455.png", "rgb16_srgb.png"] {
            let bytes = try fixtureBytes(name)
            let raw = try PNGImage.decode(bytes, name: name, maxPixels: 1000, keepColorSpaceChunks: true)
            let filtered = try PNGImage.decodeRGB(bytes, name: name)
            let diff = zip(raw.chw, filtered.pixels).map { abs($0 - $1) }.max() ?? 0
            XCTAssertGreaterThan(diff, 0.05, "\(name): libpng was expected to convert")
            XCTAssertEqual(raw.chw.count, filtered.pixels.count)
        }
        // Without such chunks nothing changes: 16-bit input is taken as linear and read
        // into a linear format unchanged.
        for name in ["gray16.png", "rgb16.png", "gray8.png", "rgb8.png"] {
            let bytes = try fixtureBytes(name)
            let raw = try PNGImage.decode(bytes, name: name, maxPixels: 1000, keepColorSpaceChunks: true)
            XCTAssertEqual(raw.chw, try PNGImage.decodeRGB(bytes, name: name).pixels, name)
        }
    }

    func testColorSpaceChunkFilterKeepsEverythingElse() throws {
        let bytes = try fixtureBytes("rgb16_srgb.png")
        let filtered = PNGImage.withoutColorSpaceChunks(bytes)
        XCTAssertEqual(filtered.count, bytes.count - 13, "one sRGB chunk (12 + 1 bytes) removed")
        XCTAssertEqual(PNGImage.withoutColorSpaceChunks(filtered), filtered)
        let plain = try fixtureBytes("rgb8.png")
        XCTAssertEqual(PNGImage.withoutColorSpaceChunks(plain), plain)
        // Truncated and non-PNG input passes through for libpng to reject.
        XCTAssertEqual(PNGImage.withoutColorSpaceChunks(Array(bytes.prefix(30))), Array(bytes.prefix(30)))
        XCTAssertEqual(PNGImage.withoutColorSpaceChunks([1, 2, 3]), [1, 2, 3])
    }

    // MARK: Writing

    func testGray8RoundTripAndQuantization() throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("mask.png").path
        let (w, h) = (7, 4)
        let values = (0..<(w * h)).map { Float(($0 * 37) % 256) / 255 }
        try PNGImage.writeGray8(path, width: w, height: h, values: values)
        let back = try PNGImage.readMask(path)
        XCTAssertEqual(back.width, w)
        XCTAssertEqual(back.height, h)
        XCTAssertEqual(back.values, values)
        let rgb = try PNGImage.readRGB(path)
        XCTAssertEqual(rgb.pixels, values + values + values, "gray reads as R = G = B")

        // Clamping and rounding: nearest of 0...255, NaN -> 0.
        let odd: [Float] = [-0.5, 1.7, .nan, .infinity, 0.5 / 255 + 1e-4, 0.5 / 255 - 1e-4, 254.4 / 255, 1]
        try PNGImage.writeGray8(path, width: 4, height: 2, values: odd)
        let q = try PNGImage.readMask(path).values.map { Int(($0 * 255).rounded()) }
        XCTAssertEqual(q, [0, 255, 0, 255, 1, 0, 254, 255])
        // Only the final file is left behind: the temporary one was renamed.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["mask.png"])
    }

    func testRGB8RoundTripBothLayouts() throws {
        let dir = try tempDir()
        let (w, h) = (6, 3)
        let n = w * h
        var rng = SplitMix64(seed: 42)
        let chw = (0..<(3 * n)).map { _ in Float(rng.next() % 256) / 255 }
        let chwPath = dir.appendingPathComponent("chw.png").path
        try PNGImage.writeRGB8(chwPath, width: w, height: h, pixels: chw)
        let a = try PNGImage.readRGB(chwPath)
        XCTAssertEqual(a, RGBImage(width: w, height: h, pixels: chw))

        var hwc = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n { for c in 0..<3 { hwc[3 * i + c] = chw[c * n + i] } }
        let hwcPath = dir.appendingPathComponent("hwc.png").path
        try PNGImage.writeRGB8(hwcPath, width: w, height: h, pixels: hwc, layout: .hwc)
        XCTAssertEqual(try PNGImage.readRGB(hwcPath).pixels, chw)

        // Overwrites in place, and RGBImage writes as it reads.
        try PNGImage.writeRGB8(chwPath, image: RGBImage(width: w, height: h, pixels: hwc))
        XCTAssertEqual(try PNGImage.readRGB(chwPath).pixels, hwc)
        // The mask of an RGB file is max(R, G, B).
        let mask = try PNGImage.readMask(hwcPath).values
        for i in 0..<n { XCTAssertEqual(mask[i], max(chw[i], chw[n + i], chw[2 * n + i])) }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["chw.png", "hwc.png"])
    }

    func testWriterArgumentAndIOErrors() throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("x.png").path
        XCTAssertThrowsError(try PNGImage.writeGray8(path, width: 3, height: 2, values: [0, 1])) { error in
            guard case PNGError.invalidArgument(let file, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, path)
        }
        XCTAssertThrowsError(try PNGImage.writeGray8(path, width: 0, height: 2, values: [])) { error in
            XCTAssertEqual(error as? PNGError, .invalidArgument(file: path, reason: "size 0x2 is not positive"))
        }
        XCTAssertThrowsError(try PNGImage.writeRGB8(path, width: 2, height: 2, pixels: [Float](repeating: 0, count: 4))) { error in
            XCTAssertEqual(error as? PNGError, .invalidArgument(file: path, reason: "4 samples given for 2x2x3"))
        }
        let nowhere = dir.appendingPathComponent("no/such/dir/y.png").path
        XCTAssertThrowsError(try PNGImage.writeGray8(nowhere, width: 1, height: 1, values: [0.5])) { error in
            guard case PNGError.cannotWrite(let file, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, nowhere)
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    // MARK: Broken input

    func testTruncatedFilesAreTypedErrors() throws {
        let dir = try tempDir()
        for name in ["rgb8.png", "gray_alpha16_adam7.png", "palette8_trns.png"] {
            let bytes = try fixtureBytes(name)
            // The last IDAT ends 12 bytes before the end (IEND is 12 bytes).
            let idatEnd = bytes.count - 12
            var lengths = [0, 1, 4, 8, 12, 16, 33, 40, bytes.count / 2, idatEnd - 5, idatEnd - 1]
            lengths = lengths.filter { $0 < idatEnd }
            for length in lengths {
                let path = dir.appendingPathComponent("\(name)-\(length).png").path
                try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
                XCTAssertThrowsError(try PNGImage.readRGB(path), "\(name) cut at \(length)") { error in
                    guard case let PNGError.invalidPNG(file, message) = error else {
                        return XCTFail("\(name) at \(length): \(error)")
                    }
                    XCTAssertEqual(file, path)
                    XCTAssertFalse(message.isEmpty)
                    XCTAssertTrue("\(error)".contains(path) && "\(error)".contains(message))
                }
                XCTAssertThrowsError(try PNGImage.readMask(path), "\(name) cut at \(length)") { error in
                    guard case PNGError.invalidPNG(path, _) = error else { return XCTFail("\(name) at \(length): \(error)") }
                }
            }
            // Cut inside IEND: the image data is complete and libpng alone would return
            // it; the reader still calls the file truncated.
            for length in idatEnd..<bytes.count {
                XCTAssertThrowsError(try PNGImage.decodeRGB(Array(bytes.prefix(length)), name: name)) { error in
                    XCTAssertEqual(error as? PNGError, .invalidPNG(file: name, message: "file ends before the IEND chunk (truncated)"))
                }
            }
            // Bytes after IEND are ignored (some tools append data).
            XCTAssertEqual(try PNGImage.decodeRGB(bytes + [0, 1, 2]), try PNGImage.decodeRGB(bytes))
        }
    }

    func testCorruptedBytesNeverCrash() throws {
        let bytes = try fixtureBytes("rgba16.png")
        var failures = 0
        for position in 0..<bytes.count {
            var damaged = bytes
            damaged[position] ^= 0x41
            do {
                _ = try PNGImage.decodeRGB(damaged, name: "rgba16.png")
            } catch is PNGError {
                failures += 1
            }
        }
        // libpng checks chunk CRCs on critical chunks and the zlib Adler-32.
        XCTAssertGreaterThan(failures, bytes.count * 9 / 10)
    }

    func testRandomBytesEmptyAndMissingFiles() throws {
        let dir = try tempDir()
        var rng = SplitMix64(seed: 3)
        let random = (0..<500).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let randomPath = dir.appendingPathComponent("random.png").path
        try Data(random).write(to: URL(fileURLWithPath: randomPath))
        XCTAssertThrowsError(try PNGImage.readRGB(randomPath)) { error in
            guard case let PNGError.invalidPNG(file, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, randomPath)
            XCTAssertTrue(message.lowercased().contains("png"), message)
        }
        let emptyPath = dir.appendingPathComponent("empty.png").path
        try Data().write(to: URL(fileURLWithPath: emptyPath))
        XCTAssertThrowsError(try PNGImage.readMask(emptyPath)) { error in
            guard case PNGError.invalidPNG(emptyPath, _) = error else { return XCTFail("\(error)") }
        }
        let missing = dir.appendingPathComponent("missing.png").path
        XCTAssertThrowsError(try PNGImage.readRGB(missing)) { error in
            XCTAssertEqual(error as? PNGError, .cannotRead(file: missing, reason: "No such file or directory"))
            XCTAssertTrue("\(error)".contains(missing))
        }
        XCTAssertThrowsError(try PNGImage.readRGB(dir.path)) { error in
            guard case PNGError.cannotRead = error else { return XCTFail("\(error)") }
        }
    }

    func testHugeDeclaredSizeIsRefusedBeforeAllocating() throws {
        // A valid header claiming 1,000,000 x 1,000,000 RGBA 16-bit, no image data.
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }
        let ihdr = be(1_000_000) + be(1_000_000) + [16, 6, 0, 0, 0]
        let bytes: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10] + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9C]) + chunk("IEND", [])
        XCTAssertThrowsError(try PNGImage.decodeRGB(bytes, name: "huge.png")) { error in
            XCTAssertEqual(error as? PNGError, .tooLarge(file: "huge.png", width: 1_000_000, height: 1_000_000,
                                                         maxPixels: PNGImage.defaultMaxPixels))
        }
        XCTAssertThrowsError(try PNGImage.decodeRGB(try fixtureBytes("rgb8.png"), name: "small", maxPixels: 14)) { error in
            XCTAssertEqual(error as? PNGError, .tooLarge(file: "small", width: 5, height: 3, maxPixels: 14))
        }
        XCTAssertEqual(try PNGImage.decodeRGB(try fixtureBytes("rgb8.png"), maxPixels: 15).width, 5)
    }
}
