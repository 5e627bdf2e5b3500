import Foundation
import XCTest
@testable import Math
@testable import Shared
@testable import TestSupport

/// Preprocessing against PyTorch's antialiased bicubic resize + crop + normalize, and the
/// position-embedding resize against open_clip's resize_pos_embed (through the encoder tests).
final class CLIPPreprocessTests: XCTestCase {
    func testPreprocessingMatchesTorchReference() throws {
        let ref = try SafeTensorsReader(contentsOf: Fixtures.url("clip/reference.safetensors"))
        let pre = CLIPImagePreprocessor(size: 32)
        for name in ["rgb", "gray"] {
            let image = try PNGImage.readRGB(Fixtures.url("clip/preprocess_\(name).png").path)
            let got = try pre(image)
            let want = try ref.tensor("preprocess.\(name)")
            XCTAssertEqual(got.shape, [3, 32, 32])
            XCTAssertLessThan(got.maxAbsDifference(want), 2e-5, name)
        }
    }

    func testResizedSizeAndIdentity() throws {
        let pre = CLIPImagePreprocessor(size: 224)
        XCTAssertTrue(pre.resizedSize(height: 480, width: 640) == (224, 298))
        XCTAssertTrue(pre.resizedSize(height: 500, width: 333) == (336, 224))
        // Same size: no resampling at all.
        let pixels = (0..<(3 * 224 * 224)).map { Float($0 % 251) / 250 }
        let out = try pre(RGBImage(width: 224, height: 224, pixels: pixels))
        XCTAssertEqual(out[0, 5, 7], (pixels[5 * 224 + 7] - CLIPImagePreprocessor.mean[0]) / CLIPImagePreprocessor.std[0],
                       accuracy: 1e-6)
    }

    /// Squash: the whole image to S x S by the same antialiased bicubic resize, then the
    /// normalization; on a square image it is the crop's picture.
    func testSquashResizesTheWholeImage() throws {
        var rng = SplitMix64(seed: 2)
        let (h, w, s) = (9, 14, 6)
        let pixels = (0..<(3 * h * w)).map { _ in Float(rng.next() % 256) / 255 }
        let squash = CLIPImagePreprocessor(size: s, mode: .squash)
        XCTAssertTrue(squash.resizedSize(height: h, width: w) == (s, s))
        let out = try squash(RGBImage(width: w, height: h, pixels: pixels))
        let resized = BicubicResize(from: (h, w), to: (s, s)).forward(Tensor(shape: [3, h, w], data: pixels))
        for c in 0..<3 {
            for i in 0..<(s * s) {
                let want = (resized.data[c * s * s + i] - CLIPImagePreprocessor.mean[c]) / CLIPImagePreprocessor.std[c]
                XCTAssertEqual(out.data[c * s * s + i], want, accuracy: 1e-6)
            }
        }
        let square = RGBImage(width: 10, height: 10, pixels: (0..<300).map { Float($0 % 17) / 16 })
        XCTAssertEqual(try squash(square).data, try CLIPImagePreprocessor(size: s, mode: .crop)(square).data)
    }

    func testElongatedImagesAreRefused() {
        let pre = CLIPImagePreprocessor(size: 336)
        let strip = RGBImage(width: 300_000, height: 1, pixels: [Float](repeating: 0.5, count: 900_000))
        XCTAssertThrowsError(try pre(strip)) { error in
            XCTAssertEqual(error as? CLIPImageError, .tooElongated(width: 300_000, height: 1, size: 336))
        }
        XCTAssertThrowsError(try pre(RGBImage(width: 2, height: 2, pixels: [0]))) { error in
            XCTAssertEqual(error as? CLIPImageError, .invalidImage(reason: "1 samples for 2x2 RGB"))
        }
    }

    func testBicubicAntialiasWeights() {
        // Downscaling by 2: support 4 input pixels either side, weights sum to 1.
        let taps = BicubicResize.taps(inSize: 8, outSize: 4)
        for t in taps { XCTAssertEqual(t.weights.reduce(0, +), 1, accuracy: 1e-6) }
        XCTAssertEqual(taps[1].start, 0)
        XCTAssertEqual(taps[1].weights.count, 7)
        // A constant image stays constant, up or down.
        let flat = Tensor(repeating: 0.25, shape: [1, 5, 7])
        for size in [(3, 4), (11, 13)] {
            let out = BicubicResize(from: (5, 7), to: size).forward(flat)
            XCTAssertLessThan(out.data.map { abs($0 - 0.25) }.max() ?? 1, 1e-6)
        }
    }
}
