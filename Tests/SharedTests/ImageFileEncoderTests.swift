@testable import Datasets
import Foundation
import XCTest
@testable import Formats
@testable import Shared
@testable import TestSupport

/// The JPEG and BMP writers (used by tests and generated dataset replicas), read back
/// through `ImageFile`.
final class ImageFileEncoderTests: XCTestCase {
    /// A smooth image with some texture: pixels [3, h, w].
    func smoothImage(width: Int, height: Int) -> [Float] {
        var p = [Float](repeating: 0, count: 3 * width * height)
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let v = 0.5 + 0.4 * sin(Float(x + 2 * c) / 5) * cos(Float(y - c) / 7)
                    p[(c * height + y) * width + x] = v
                }
            }
        }
        return p
    }

    /// samples [H, W, C] -> [C, H, W]
    func planar(_ d: DecodedImage) -> [Float] {
        let n = d.width * d.height
        var out = [Float](repeating: 0, count: d.channels * n)
        for i in 0..<n { for c in 0..<d.channels { out[c * n + i] = d.samples[i * d.channels + c] } }
        return out
    }

    /// What the writers store: clamped to [0, 1], rounded to 1/255, NaN 0.
    func quantized(_ v: [Float]) -> [Float] { v.map { $0.isNaN ? 0 : (min(max($0, 0), 1) * 255).rounded() / 255 } }

    func testJPEGRoundTripIsClose() throws {
        let (w, h) = (33, 20)
        let pixels = smoothImage(width: w, height: h)
        for (subsampling, worstAllowed) in [(JPEGImage.Subsampling.none444, Float(0.03)), (.half420, 0.06)] {
            let bytes = try JPEGImage.encodeRGB8(width: w, height: h, pixels: pixels, quality: 95, subsampling: subsampling)
            XCTAssertEqual(ImageFile.kind(of: bytes), .jpeg)
            let d = try ImageFile.decode(bytes, name: "round trip")
            XCTAssertEqual([d.width, d.height, d.channels], [w, h, 3])
            let diffs = zip(planar(d), pixels).map { abs($0 - $1) }
            XCTAssertLessThan(diffs.max() ?? 1, worstAllowed, "\(subsampling)")
            XCTAssertLessThan(diffs.reduce(0, +) / Float(diffs.count), 0.01, "\(subsampling)")
            XCTAssertEqual(try ImageFile.decodeRGB(bytes, name: "x").pixels, planar(d))
        }
        let gray = Array(pixels.prefix(w * h))
        let bytes = try JPEGImage.encodeGray8(width: w, height: h, values: gray, quality: 95)
        let d = try ImageFile.decode(bytes, name: "gray")
        XCTAssertEqual(d.channels, 1)
        XCTAssertLessThan(zip(d.samples, gray).map { abs($0 - $1) }.max() ?? 1, 0.03)
        // Gray reads as RGB with three equal channels.
        let rgb = try ImageFile.decodeRGB(bytes, name: "gray").pixels
        XCTAssertEqual(Array(rgb[0..<(w * h)]), d.samples)
        XCTAssertEqual(Array(rgb[(2 * w * h)...]), d.samples)
    }

    func testJPEGEncoderArguments() {
        let one: [Float] = [0.5, 0.5, 0.5]
        XCTAssertThrowsError(try JPEGImage.encodeRGB8(width: 1, height: 1, pixels: one, quality: 0, name: "q.jpg")) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: "q.jpg", reason: "cannot write JPEG: quality 0 is outside 1...100"))
        }
        XCTAssertThrowsError(try JPEGImage.encodeRGB8(width: 2, height: 1, pixels: one, quality: 90)) { error in
            XCTAssertEqual((error as? ImageFileError)?.reason, "cannot write JPEG: 3 samples given for 2 x 1 x 3")
        }
        XCTAssertThrowsError(try JPEGImage.encodeGray8(width: 70000, height: 1, values: [], quality: 90)) { error in
            XCTAssertEqual((error as? ImageFileError)?.reason, "cannot write JPEG: size 70000 x 1 is outside 1...65500")
        }
    }

    func testBMPRoundTripsAreExact() throws {
        let (w, h) = (7, 5)   // rows of 21, 28 and 7 bytes: every padding
        var rgbPixels = smoothImage(width: w, height: h)
        rgbPixels.replaceSubrange(0..<3, with: [-0.2, 1.5, .nan])   // clamped, NaN 0
        let bmp24 = try BMPImage.encodeRGB24(width: w, height: h, pixels: rgbPixels)
        let d24 = try ImageFile.decode(bmp24, name: "24")
        XCTAssertEqual([d24.width, d24.height, d24.channels], [w, h, 3])
        XCTAssertEqual(planar(d24), quantized(rgbPixels))
        XCTAssertEqual(bmp24.count, 54 + 24 * h)

        let alpha = (0..<(w * h)).map { Float($0 % 6) / 5 }
        let rgba = rgbPixels + alpha
        let bmp32 = try BMPImage.encodeRGBA32(width: w, height: h, pixels: rgba)
        let d32 = try ImageFile.decode(bmp32, name: "32")
        XCTAssertEqual(d32.channels, 4)
        XCTAssertEqual(planar(d32), quantized(rgba))
        XCTAssertEqual(Array(bmp32[14..<18]), [108, 0, 0, 0], "V4 header")
        // RGB composites alpha over black.
        let composited = try ImageFile.decodeRGB(bmp32, name: "32").pixels
        let n = w * h
        for i in 0..<(3 * n) { XCTAssertEqual(composited[i], quantized(rgba)[i] * quantized(alpha)[i % n], accuracy: 1e-6) }

        let gray = Array(rgbPixels.prefix(w * h))
        let bmp8 = try BMPImage.encodeGray8(width: w, height: h, values: gray)
        let d8 = try ImageFile.decode(bmp8, name: "8")
        XCTAssertEqual(d8.channels, 3)
        XCTAssertEqual(planar(d8), quantized(gray) + quantized(gray) + quantized(gray))
        XCTAssertEqual(d8.maskValues(), quantized(gray))

        let folder = try temporaryFolder(self, prefix: "ultraad-images")
        for (name, bytes) in [("24.bmp", bmp24), ("32.bmp", bmp32), ("8.bmp", bmp8)] {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try ImageFile.size(of: path).width, w)
            XCTAssertEqual(try ImageFile.size(of: path).height, h)
            XCTAssertEqual(try ImageFile.read(path), bytes)
        }
    }

    func testBMPEncoderArguments() {
        XCTAssertThrowsError(try BMPImage.encodeRGB24(width: 2, height: 2, pixels: [0], name: "a.bmp")) { error in
            XCTAssertEqual(error as? ImageFileError, ImageFileError(file: "a.bmp", reason: "cannot write BMP: 1 samples given for 2 x 2 x 3"))
        }
        XCTAssertThrowsError(try BMPImage.encodeGray8(width: 0, height: 2, values: [])) { error in
            XCTAssertEqual((error as? ImageFileError)?.reason, "cannot write BMP: size 0 x 2 is outside 1...2147483647")
        }
    }

    /// Dataset images in any of the three formats decode to the same tensor.
    func testDatasetDecodeImageReadsEveryFormat() throws {
        let (w, h) = (9, 4)
        let pixels = quantized(smoothImage(width: w, height: h))
        let png = try PNGImage.encodeRGB8(width: w, height: h, pixels: pixels)
        let bmp = try BMPImage.encodeRGB24(width: w, height: h, pixels: pixels)
        let jpeg = try JPEGImage.encodeRGB8(width: w, height: h, pixels: pixels, quality: 100, subsampling: .none444)
        let fromPNG = try DatasetEntry.decodeImage(png, name: "a.png")
        XCTAssertEqual(fromPNG.shape, [3, h, w])
        XCTAssertEqual(try DatasetEntry.decodeImage(bmp, name: "a.bmp").data, fromPNG.data)
        let fromJPEG = try DatasetEntry.decodeImage(jpeg, name: "a.jpg")
        XCTAssertEqual(fromJPEG.shape, [3, h, w])
        XCTAssertLessThan(zip(fromJPEG.data, fromPNG.data).map { abs($0 - $1) }.max() ?? 1, 0.02)
        XCTAssertThrowsError(try DatasetEntry.decodeImage(Array(bmp.prefix(60)), name: "cut.bmp")) { error in
            guard case let DatasetError.unreadable(file, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "cut.bmp")
            XCTAssertTrue(reason.hasPrefix("BMP: pixel data is cut short"), reason)
        }
    }

    /// The header check of a dataset scan reads JPEG and BMP sizes too.
    func testDatasetImageSize() throws {
        let folder = try temporaryFolder(self, prefix: "ultraad-images")
        let path = folder.appendingPathComponent("a.jpg").path
        try Data(try JPEGImage.encodeGray8(width: 12, height: 3, values: [Float](repeating: 0.5, count: 36), quality: 80))
            .write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try DatasetProblems.imageSize(path).width, 12)
        XCTAssertThrowsError(try DatasetProblems.imageSize(path + ".missing")) { error in
            XCTAssertEqual(error as? DatasetError, .unreadable(file: path + ".missing", reason: "No such file or directory"))
        }
    }
}
