import Foundation
import XCTest
@testable import Shared

/// Augmented views move image and mask together.
final class DataViewTests: XCTestCase {
    /// A dark 40x48 image with a bright off-center square and its mask, the three channels
    /// slightly different so channel mix-ups show.
    func brightSquare() -> LabeledImage {
        let h = 40, w = 48
        var image = Tensor(repeating: 0.1, shape: [3, h, w])
        var mask = Tensor(zeros: [h, w])
        for i in 8..<20 {
            for j in 26..<40 {
                mask[i, j] = 1
                for c in 0..<3 { image[c, i, j] = 0.7 + 0.05 * Float(c) }
            }
        }
        return LabeledImage(image: image, mask: mask, label: .benign)
    }

    func meanIn(_ x: LabeledImage, channel: Int, inside: Bool) -> Float {
        var s: Float = 0, n: Float = 0
        let plane = x.height * x.width
        for k in 0..<plane where (x.mask.data[k] == 1) == inside {
            s += x.image.data[channel * plane + k]; n += 1
        }
        return s / max(n, 1)
    }

    func testStableNames() {
        XCTAssertEqual(ViewKind.defaults.map(\.rawValue), ["identity", "hflip", "rot+10", "rot-10", "gain0.8", "gain1.25"])
        XCTAssertEqual(ViewKind(rawValue: "rot-10"), .rotateMinus10)
        XCTAssertNil(ViewKind(rawValue: "rot+15"))
    }

    func testEveryViewKeepsTheMaskOnTheBrightSquare() {
        let x = brightSquare()
        for view in ViewKind.allCases {
            let v = view.apply(x)
            XCTAssertEqual(v.image.shape, x.image.shape)
            XCTAssertEqual(v.mask.shape, x.mask.shape)
            XCTAssertEqual(v.label, .benign)
            XCTAssertTrue(v.mask.data.allSatisfy { $0 == 0 || $0 == 1 }, "\(view): mask stays binary")
            let area = v.mask.data.reduce(0, +)
            XCTAssertEqual(area, 168, accuracy: 12, "\(view): lesion area kept")
            let gain: Float = view == .gain0_8 ? 0.8 : view == .gain1_25 ? 1.25 : 1
            for c in 0..<3 {
                let inside = meanIn(v, channel: c, inside: true), outside = meanIn(v, channel: c, inside: false)
                XCTAssertGreaterThan(inside, 0.6 * gain, "\(view) channel \(c): image bright inside the mask")
                XCTAssertLessThan(outside, 0.16 * gain, "\(view) channel \(c): image dark outside the mask")
            }
        }
    }

    func testFlipTwiceIsIdentityAndFlipMirrors() {
        let x = brightSquare()
        let f = ViewKind.hflip.apply(x)
        XCTAssertEqual(f.mask[10, 47 - 26], 1)
        XCTAssertEqual(f.mask[10, 26], 0)
        XCTAssertEqual(f.image[2, 10, 47 - 30], x.image[2, 10, 30])
        XCTAssertEqual(ViewKind.hflip.apply(f), x)
    }

    func testRotationThereAndBackIsIdentityInTheInterior() {
        var x = brightSquare()
        var rng = SplitMix64(seed: 5)
        for i in x.image.data.indices { x.image.data[i] = 0.5 * x.image.data[i] + 0.2 * rng.nextUniform() }
        let back = ViewKind.rotateMinus10.apply(ViewKind.rotatePlus10.apply(x))
        var worstMask = 0, sumError: Float = 0, count: Float = 0
        for i in 8..<32 {
            for j in 8..<40 {
                if back.mask[i, j] != x.mask[i, j] { worstMask += 1 }
                for c in 0..<3 { sumError += abs(back.image[c, i, j] - x.image[c, i, j]); count += 1 }
            }
        }
        XCTAssertLessThan(sumError / count, 0.06, "bilinear twice smooths the noise but keeps the picture")
        XCTAssertLessThan(worstMask, 8, "at most a few mask edge pixels flip")
        // The smooth part (the square) comes back closely.
        XCTAssertEqual(back.image[0, 14, 33], x.image[0, 14, 33], accuracy: 0.1)
    }

    func testRotationIsCounterClockwiseWithZeroBorder() {
        // A bright pixel right of the center moves up under rot+10 and down under rot-10.
        let n = 41
        var plane = Tensor(zeros: [n, n])
        plane[20, 35] = 1
        let up = Augment.rotate(plane, degrees: 10), down = Augment.rotate(plane, degrees: -10)
        func centroid(_ t: Tensor) -> (Float, Float) {
            var si: Float = 0, sj: Float = 0, s: Float = 0
            for i in 0..<n { for j in 0..<n { si += Float(i) * t[i, j]; sj += Float(j) * t[i, j]; s += t[i, j] } }
            return (si / s, sj / s)
        }
        let (ui, uj) = centroid(up), (di, dj) = centroid(down)
        let expectedDy = 15 * Float(sin(10 * Double.pi / 180)), expectedDx = 15 * Float(cos(10 * Double.pi / 180))
        XCTAssertEqual(ui, 20 - expectedDy, accuracy: 0.3)
        XCTAssertEqual(uj, 20 + expectedDx, accuracy: 0.3)
        XCTAssertEqual(di, 20 + expectedDy, accuracy: 0.3)
        XCTAssertEqual(dj, 20 + expectedDx, accuracy: 0.3)
        // Corners come from outside the image: 0.
        let white = Augment.rotate(Tensor(repeating: 1, shape: [n, n]), degrees: 10)
        XCTAssertEqual(white[0, 0], 0)
        XCTAssertEqual(white[n - 1, n - 1], 0)
        XCTAssertEqual(white[20, 20], 1, accuracy: 1e-6)
    }

    func testGainScalesTheImageOnlyAndClamps() {
        let x = brightSquare()
        let hi = ViewKind.gain1_25.apply(x), lo = ViewKind.gain0_8.apply(x)
        XCTAssertEqual(hi.image[2, 10, 30], 1, "0.8 x 1.25 = 1, clamped")
        XCTAssertEqual(hi.image[0, 0, 0], 0.125, accuracy: 1e-6)
        XCTAssertEqual(lo.image[0, 10, 30], 0.56, accuracy: 1e-6)
        XCTAssertEqual(hi.mask, x.mask)
        XCTAssertEqual(lo.mask, x.mask)
        XCTAssertEqual(Augment.gain(Tensor(shape: [2], data: [0.9, -0.1]), 1.25).data, [1, 0])
    }
}
