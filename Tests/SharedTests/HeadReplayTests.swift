import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Parity with the PyTorch reference (scripts/fixtures/head_reference.py, float64 autograd):
/// the replay contract's loss and every gradient tensor to 1e-4 relative, measured against
/// each tensor's largest reference value (fuse.wq's gradient is ~1e-4 of the others', so
/// element-wise relative error would compare rounding noise).
final class HeadReplayTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let input = try SafeTensorsReader(contentsOf: Fixtures.url("head/\(name).in.safetensors"))
        let expected = try SafeTensorsReader(contentsOf: Fixtures.url("head/\(name).out.safetensors"))
        let replay = try ReplayCase(reading: input)
        XCTAssertEqual(replay.config.layers, [2, 4], file: file, line: line)
        let result = replay.run()
        let loss = try expected.tensor("loss").data[0]
        XCTAssertEqual(result.loss, Double(loss), accuracy: 1e-4 * abs(Double(loss)), "loss", file: file, line: line)
        for (part, value) in [("focal", result.parts.focal), ("dice", result.parts.dice),
                              ("bce", result.parts.bce), ("ce", result.parts.ce)] {
            let want = Double(try expected.tensor("parts.\(part)").data[0])
            XCTAssertEqual(value, want, accuracy: 1e-4 * max(abs(want), 1e-3), part, file: file, line: line)
        }
        for e in result.gradients.layout.entries {
            let want = try expected.tensor("grad.\(e.name)")
            let got = result.gradients.tensor(e.name)
            XCTAssertEqual(got.shape, want.shape, file: file, line: line)
            let scale = want.data.map(abs).max() ?? 0
            let err = got.maxAbsDifference(want)
            XCTAssertLessThanOrEqual(err, 1e-4 * max(scale, 1e-6),
                                     "\(name): grad.\(e.name) max error \(err) vs scale \(scale)", file: file, line: line)
        }
    }

    func testRandomParameters() throws { try check("random") }
    func testRandomParametersWithTenPixelMasks() throws { try check("random10") }
    func testMethodInitialization() throws { try check("init") }
    /// Three ablation variants (docs/METHOD.md, "Ablations"), covering every component.
    func testAblationVariants() throws {
        for (name, ablate) in [("ablate-fuse-mini_net", [HeadComponent.fuse, .miniNet]),
                               ("ablate-patch_adapter-centre", [.patchAdapter, .centre]),
                               ("ablate-image_prompt-learned_prompt-memory_bank", [.imagePrompt, .learnedPrompt, .memoryBank])] {
            let input = try SafeTensorsReader(contentsOf: Fixtures.url("head/\(name).in.safetensors"))
            XCTAssertEqual(try ReplayCase(reading: input).config.ablate, ablate, name)
            try check(name)
        }
    }

    /// IN's metadata `temperature` and `leaky_slope` set tau and the slope (a run trained with
    /// other values replays exactly); absent, the defaults; impossible values name the key.
    func testTemperatureAndLeakySlopeComeFromTheMetadata() throws {
        let input = try SafeTensorsReader(contentsOf: Fixtures.url("head/random.in.safetensors"))
        func rewritten(_ metadata: [String: String]) throws -> SafeTensorsReader {
            try input.replayInputCopy(metadata: metadata, file: "in.safetensors")
        }
        let plain = try ReplayCase(reading: input)
        XCTAssertEqual(plain.config.temperature, 0.07)
        XCTAssertEqual(plain.config.leakySlope, 0.01)
        let other = try ReplayCase(reading: try rewritten(["temperature": "0.2", "leaky_slope": "0.05"]))
        XCTAssertEqual(other.config.temperature, 0.2)
        XCTAssertEqual(other.config.leakySlope, 0.05)
        var byHand = plain
        byHand.config.temperature = 0.2
        byHand.config.leakySlope = 0.05
        let (a, b) = (other.run(), byHand.run())
        XCTAssertEqual(a.loss, b.loss, "the metadata's constants are the ones computed with")
        XCTAssertEqual(a.gradients.values, b.gradients.values)
        XCTAssertNotEqual(a.loss, plain.run().loss)
        for (metadata, message) in [(["temperature": "0"], "metadata temperature is \"0\", not a positive number"),
                                    (["temperature": "warm"], "metadata temperature is \"warm\", not a positive number"),
                                    (["leaky_slope": "1"], "metadata leaky_slope is \"1\", not a number at least 0 and below 1")] {
            XCTAssertThrowsError(try ReplayCase(reading: try rewritten(metadata))) { error in
                XCTAssertEqual("\(error)", "in.safetensors: \(message)")
            }
        }
    }

    func testReplayNamesAMissingOrMisshapenTensor() throws {
        let input = try SafeTensorsReader(contentsOf: Fixtures.url("head/random.in.safetensors"))
        let bad = ["query.Z0.4": Tensor(zeros: [4, 16, 31])]
        let missing = try input.replayInputCopy(keeping: { $0 != "fuse.wo" }, replacing: bad, file: "bad.safetensors")
        XCTAssertThrowsError(try ReplayCase(reading: missing)) { error in
            XCTAssertEqual("\(error)", "bad.safetensors: fuse.wo is missing (expected shape [32, 32])")
        }
        let misshapen = try input.replayInputCopy(replacing: bad, file: "bad.safetensors")
        XCTAssertThrowsError(try ReplayCase(reading: misshapen)) { error in
            XCTAssertEqual("\(error)", "bad.safetensors: query.Z0.4 has shape [4, 16, 31], expected [4, 16, 32]")
        }
    }
    /// Replay inputs FuzzReplay's harness could not survive (fuzz/reproducers/FuzzReplay): a
    /// layer named by two tensors (query.U.1 and query.U.01: a trap laying out the
    /// parameters), and an empty query tensor whose width is 2^40 (its shape costs no bytes,
    /// so the layout asked for 2^40 x r values). Both are errors naming the file.
    func testHostileShapesAreRefused() throws {
        let folder = Fixtures.repositoryRoot.appendingPathComponent("fuzz/reproducers/FuzzReplay")
        for (name, message) in [
            ("layer-written-twice", "two query.U.{l} tensors name layer 1"),
            ("empty-query-huge-width", "the head the shapes imply (d 4, D 1099511627776, r 2, C 3, layers [1, 2]) has no parameters that fit in the file: more than "),
        ] {
            let reader = try SafeTensorsReader(contentsOf: folder.appendingPathComponent("\(name).safetensors"))
            XCTAssertThrowsError(try ReplayCase(reading: reader), name) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(reader.file): \(message)"), "\(name): \(error)")
            }
        }
    }
}
