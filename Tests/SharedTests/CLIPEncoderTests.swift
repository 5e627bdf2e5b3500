import Foundation
import XCTest
@testable import Math
@testable import Shared
@testable import TestSupport

/// The CLIP image and text encoders against open_clip / transformers references
/// (scripts/fixtures/make_clip_fixtures.py): both namings, native and resized grids.
final class CLIPEncoderTests: XCTestCase {
    static let layers = [1, 3]

    func reference() throws -> SafeTensorsReader {
        try SafeTensorsReader(contentsOf: Fixtures.url("clip/reference.safetensors"))
    }

    /// max |a - b| / max |b|
    func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let scale = b.data.map(abs).max() ?? 1
        return a.maxAbsDifference(b) / max(scale, 1e-30)
    }

    func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, tolerance: Float = 1e-4,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        guard a.shape == b.shape else { return }
        let e = relativeError(a, b)
        XCTAssertLessThanOrEqual(e, tolerance, "\(what): relative error \(e)", file: file, line: line)
    }

    func load(_ name: String) throws -> CLIPModel {
        try CLIPModel.load(Fixtures.url("clip/\(name)").path)
    }

    func testArchitectureFromShapesInBothNamings() throws {
        for (name, naming) in [("openclip.safetensors", CLIPNaming.openCLIP), ("hf.safetensors", .huggingFace)] {
            let model = try load(name)
            XCTAssertEqual(model.naming, naming)
            let v = try XCTUnwrap(model.vision?.config)
            XCTAssertEqual(v, CLIPVisionConfig(width: 64, layers: 3, heads: 2, patchSize: 8, imageSize: 32,
                                               mlpWidth: 256, projectionDim: 32, activation: .quickGelu), name)
            let t = try XCTUnwrap(model.text?.config)
            XCTAssertEqual(t, CLIPTextConfig(width: 64, layers: 2, heads: 1, contextLength: 77, vocabSize: 514,
                                             mlpWidth: 256, projectionDim: 32, activation: .quickGelu), name)
        }
    }

    func checkImages(_ model: CLIPModel, prefix: String, input: String, name: String) throws {
        let ref = try reference()
        let features = try model.imageEncoder().encode(try ref.tensor(input), layers: Self.layers, threads: 2)
        assertClose(features.g, try ref.tensor("\(prefix).g"), "\(name) \(prefix) g")
        for l in Self.layers {
            assertClose(try XCTUnwrap(features.u[l]), try ref.tensor("\(prefix).U.\(l)"), "\(name) \(prefix) U.\(l)")
            assertClose(try XCTUnwrap(features.z0[l]), try ref.tensor("\(prefix).Z0.\(l)"), "\(name) \(prefix) Z0.\(l)")
        }
    }

    func testImageEncoderMatchesOpenCLIPAtNativeSize() throws {
        for name in ["openclip.safetensors", "hf.safetensors"] {
            try checkImages(try load(name), prefix: "native", input: "input.native", name: name)
        }
    }

    func testImageEncoderMatchesOpenCLIPWithResizedPositionEmbeddings() throws {
        for name in ["openclip.safetensors", "hf.safetensors"] {
            let model = try load(name)
            try checkImages(model, prefix: "large", input: "input.large", name: name)
            let features = try model.imageEncoder().encode(try reference().tensor("input.large"), layers: [3])
            XCTAssertEqual(features.gridHeight, 6)
            XCTAssertEqual(features.u[3]?.shape, [1, 36, 64])
        }
    }

    /// The promise `FrozenFeatureExtractor.extract` and the feature cache rest on: an image's
    /// g, U and Z0 are the same bits whatever batch it is in, and, when the encoder batches
    /// (`batchRowUnit`), at any thread count. The fixture model is small, so it goes one
    /// image at a time; a random model with released CLIP's widths per GEMM takes the
    /// batched path (every OpenBLAS kernel scripts/test runs this on has a row unit).
    func testAnImagesFeaturesAreTheSameBitsInAnyBatchAndAtAnyThreadCount() throws {
        let pair = try reference().tensor("input.native")
        let small = try load("openclip.safetensors").imageEncoder()
        XCTAssertNil(small.batchRowUnit)
        try checkBatchInvariance(small, pair, threads: [1], layers: [1, 3])
        let (wide, unit, images) = try wideRandomEncoder(images: 2, seed: 7)
        try checkBatchInvariance(wide, images, threads: [1, 2, 3], layers: [1, 2], unit: unit)
    }

    /// A random two-layer model with released CLIP's widths per GEMM (so it takes the batched
    /// path), its row unit, and `images` random 64 x 64 inputs.
    func wideRandomEncoder(images count: Int, seed: UInt64) throws -> (CLIPImageEncoder, Int, Tensor) {
        var rng = SplitMix64(seed: seed)
        let wide = CLIPImageEncoder(weights: CLIPBuiltin.randomVision(
            CLIPVisionConfig(width: 512, layers: 2, heads: 8, patchSize: 16, imageSize: 64, mlpWidth: 1024,
                             projectionDim: 512, activation: .quickGelu), &rng))
        let unit = try XCTUnwrap(wide.batchRowUnit, "OpenBLAS kernel \(BLAS.coreName) has no row unit")
        let images = Tensor(shape: [count, 3, 64, 64], data: (0..<(count * 3 * 64 * 64)).map { _ in rng.nextNormal() })
        return (wide, unit, images)
    }

    /// The padding rows between images change no feature: image rows laid out at the row
    /// unit and at three times it (what a coarser unit, such as the 24 probed before 12
    /// was a candidate, pads to) give the same bits.
    func testThePaddingBetweenImagesChangesNoFeature() throws {
        let (wide, unit, images) = try wideRandomEncoder(images: 3, seed: 8)
        let tight = wide.encode(images, rowUnit: unit, layers: [1, 2], threads: 2, profile: nil)
        let loose = wide.encode(images, rowUnit: 3 * unit, layers: [1, 2], threads: 2, profile: nil)
        XCTAssertEqual(tight.g.data.map(\.bitPattern), loose.g.data.map(\.bitPattern), "g, row unit \(unit)")
        for l in [1, 2] {
            XCTAssertEqual(tight.u[l]?.data.map(\.bitPattern), loose.u[l]?.data.map(\.bitPattern), "U.\(l)")
            XCTAssertEqual(tight.z0[l]?.data.map(\.bitPattern), loose.z0[l]?.data.map(\.bitPattern), "Z0.\(l)")
        }
    }

    /// Three images (the pair and the first again) at each thread count against each alone
    /// at one thread.
    func checkBatchInvariance(_ encoder: CLIPImageEncoder, _ pair: Tensor, threads: [Int], layers: [Int],
                              unit: Int? = nil, line: UInt = #line) throws {
        let images = Tensor.stack([pair.slice(0), pair.slice(1), pair.slice(0)])
        func differing(_ a: Tensor?, _ b: Tensor?) -> Int {
            guard let a, let b, a.count == b.count else { return -1 }
            return zip(a.data, b.data).filter { $0.bitPattern != $1.bitPattern }.count
        }
        let alone = try (0..<2).map { b in
            try encoder.encode(images.slice(b).reshaped([1] + images.shape.dropFirst()), layers: layers, threads: 1)
        }
        for t in threads {
            let batched = try encoder.encode(images, layers: layers, threads: t)
            for b in 0..<3 {
                let one = alone[b % 2], what = "image \(b) of 3 at \(t) threads, row unit \(unit.map(String.init) ?? "none")"
                XCTAssertEqual(differing(batched.g.slice(b), one.g.slice(0)), 0, "g, \(what)", line: line)
                for l in layers {
                    XCTAssertEqual(differing(batched.u[l]?.slice(b), one.u[l]?.slice(0)), 0, "U.\(l), \(what)", line: line)
                    XCTAssertEqual(differing(batched.z0[l]?.slice(b), one.z0[l]?.slice(0)), 0, "Z0.\(l), \(what)", line: line)
                }
            }
        }
    }

    func testTextEncoderMatchesOpenCLIP() throws {
        let ref = try reference()
        let (shape, ids) = try ref.int32Tensor("input.tokens")
        let rows = (0..<shape[0]).map { Array(ids[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        for name in ["openclip.safetensors", "hf.safetensors"] {
            let text = try load(name).textEncoder().encode(rows, threads: 2)
            assertClose(text, try ref.tensor("text"), "\(name) text")
        }
    }

    func testBuiltinTinyRunsBothTowers() throws {
        let model = try CLIPModel.load("builtin:tiny")
        XCTAssertEqual(model.vision?.config.width, 192)
        XCTAssertEqual(model.vision?.config.heads, 3)
        var rng = SplitMix64(seed: 3)
        let images = Tensor(shape: [1, 3, 224, 224], data: (0..<(3 * 224 * 224)).map { _ in rng.nextNormal() })
        let f = try model.imageEncoder().encode(images, layers: [3, 6])
        XCTAssertEqual(f.g.shape, [1, 128])
        XCTAssertEqual(f.u[6]?.shape, [1, 196, 192])
        XCTAssertEqual(f.z0[3]?.shape, [1, 196, 128])
        XCTAssertTrue(f.g.data.allSatisfy { $0.isFinite })
        // Deterministic: the same seed gives the same weights.
        XCTAssertEqual(CLIPBuiltin.tiny().vision?.blocks[5].fc.weight, model.vision?.blocks[5].fc.weight)
        let tokenizer = CLIPTokenizer(vocabulary: .byteLevel())
        let text = try model.textEncoder().encode(try tokenizer.tokenize(["a mass", "normal tissue"]))
        XCTAssertEqual(text.shape, [2, 128])
        XCTAssertNotEqual(text.slice(0), text.slice(1))
    }

    func testEncoderRejectsBadInput() throws {
        let encoder = try load("openclip.safetensors").imageEncoder()
        XCTAssertThrowsError(try encoder.encode(Tensor(zeros: [1, 3, 32, 32]), layers: [4])) { error in
            XCTAssertEqual(error as? CLIPEncodeError, .layerOutOfRange(layer: 4, depth: 3))
        }
        XCTAssertThrowsError(try encoder.encode(Tensor(zeros: [1, 1, 32, 32]))) { error in
            XCTAssertEqual(error as? CLIPEncodeError, .badImageShape(shape: [1, 1, 32, 32], patchSize: 8))
        }
        let text = try load("openclip.safetensors").textEncoder()
        XCTAssertThrowsError(try text.encode([[Int32](repeating: 600, count: 77)])) { error in
            XCTAssertEqual(error as? CLIPEncodeError, .badTokens(reason: "row 0 holds id 600, outside the vocabulary of 514"))
        }
    }
}
