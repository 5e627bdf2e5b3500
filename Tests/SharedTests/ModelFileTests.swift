import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The model file `export` writes and `predict` reads: every value back bit for bit, the
/// memory as stored, and every damaged or foreign file refused naming it.
final class ModelFileTests: XCTestCase {
    func sample() -> ModelFile {
        let c = HeadTestData.config
        var rng = SplitMix64(seed: 5)
        let memory = c.layers.map { _ in HeadTestData.normals([7, c.jointDim], &rng) }
        return ModelFile(head: c, parameters: HeadTestData.randomParameters(c, seed: 3), bank: HeadTestData.bank(c, seed: 4),
                         normalMemory: memory, classNames: ["normal", "benign", "malignant"],
                         backbone: .init(weightsDigest: "00112233aabbccdd", featuresDigest: "0123456789abcdef", imageSize: 64,
                                         layers: c.layers, weights: "builtin:tiny", preprocess: .squash, featureDType: .float16),
                         smoothingSigma: 4, provenance: .init(configDigest: "feedfacecafebeef", seed: .max, step: 321,
                                                              trainSites: ["A", "B,2"], runName: "run 1"),
                         config: "version: 1\n")
    }

    func testRoundTripIsBitwise() throws {
        let dir = try temporaryFolder(self, prefix: "model")
        let url = dir.appendingPathComponent("m.safetensors")
        let m = sample()
        try m.write(to: url)
        let back = try ModelFile.read(from: url)
        XCTAssertEqual(back.head, m.head)
        XCTAssertEqual(back.parameters.values.map(\.bitPattern), m.parameters.values.map(\.bitPattern))
        XCTAssertEqual(back.bank, m.bank)
        XCTAssertEqual(back.normalMemory.map(\.data), m.normalMemory.map(\.data))
        XCTAssertEqual(back.classNames, m.classNames)
        XCTAssertEqual(back.backbone, m.backbone)
        XCTAssertEqual(back.smoothingSigma, 4)
        XCTAssertEqual(back.provenance, m.provenance)
        XCTAssertEqual(back.config, m.config)
        // The stored memory is what inference uses: the same map as an inference built from it.
        let f = HeadTestData.chunk(m.head, seed: 9).queries[0].features
        let a = back.inference.predict(f, size: (7, 7)), b = m.inference.predict(f, size: (7, 7))
        XCTAssertEqual(a.map.data, b.map.data)
        XCTAssertEqual(a.probabilities, b.probabilities)
    }

    /// The memory as float16: half its bytes in the file, each value the nearest half float.
    func testMemoryAsFloat16() throws {
        let dir = try temporaryFolder(self, prefix: "model-f16")
        let full = dir.appendingPathComponent("f32.safetensors"), half = dir.appendingPathComponent("f16.safetensors")
        let m = sample()
        try m.write(to: full)
        try m.write(to: half, memoryAsFloat16: true)
        let bytes = { (u: URL) in (try? FileManager.default.attributesOfItem(atPath: u.path)[.size] as? Int) ?? 0 }
        let memoryBytes = m.normalMemory.map(\.count).reduce(0, +) * 4
        XCTAssertEqual(bytes(full) - bytes(half), memoryBytes / 2, accuracy: 16,
                       "half the memory's bytes fewer (the JSON header differs by a few characters)")
        let back = try ModelFile.read(from: half)
        for (a, b) in zip(back.normalMemory, m.normalMemory) {
            XCTAssertEqual(a.data, b.data.map { Float(Float16($0)) }, "each value the nearest half float")
        }
        XCTAssertEqual(try SafeTensorsReader(contentsOf: half).metadata["memory_dtype"], "F16")
    }

    func testDamagedAndForeignFilesAreRefusedNamingThem() throws {
        let dir = try temporaryFolder(self, prefix: "model-bad")
        let url = dir.appendingPathComponent("m.safetensors")
        try sample().write(to: url)
        let bytes = try Data(contentsOf: url)
        func refused(_ data: Data, _ name: String, containing text: String) throws {
            let bad = dir.appendingPathComponent(name)
            try data.write(to: bad)
            XCTAssertThrowsError(try ModelFile.read(from: bad)) { e in
                XCTAssertTrue("\(e)".contains(bad.path), "names the file: \(e)")
                XCTAssertTrue("\(e)".contains(text), "says why (\(text)): \(e)")
            }
        }
        try refused(bytes.prefix(bytes.count - 100), "truncated.safetensors", containing: "reach past")
        var flipped = bytes
        flipped[flipped.count - 9] ^= 0x10
        try refused(flipped, "flipped.safetensors", containing: "damaged")
        // Another version, and a missing tensor: written by the writer, so only that differs.
        var v2 = SafeTensorsWriter(metadata: ["format": ModelFile.format, "version": "2"])
        v2.checksummed = true
        try v2.add("x", Tensor(zeros: [1]))
        try refused(v2.encoded(), "v2.safetensors", containing: "version 2 is not supported")
        let r = try SafeTensorsReader(contentsOf: url)
        var partial = SafeTensorsWriter(metadata: r.metadata.filter { $0.key != SafeTensorsWriter.checksumKey })
        partial.checksummed = true
        for name in r.names where name != "memory.3" && name != "bank.source" { try partial.add(name, try r.tensor(name)) }
        try partial.add("bank.source", shape: [6], int32: try r.int32Tensor("bank.source").values)
        try refused(partial.encoded(), "partial.safetensors", containing: "tensor memory.3 is missing")
        try refused(Data("not a model".utf8), "text.safetensors", containing: "header length")
    }
    /// Model files whose metadata the fuzzer's harness (FuzzModelFile) could not survive
    /// (fuzz/reproducers/FuzzModelFile, each the seed with one metadata value changed and the
    /// checksum kept valid): a head naming a layer twice (a trap laying out its parameters), a
    /// width of 2^62 (an overflow trap, or with smaller values an allocation no file justifies),
    /// a smoothing sigma of 1e9 (an 8e9-tap filter) or inf (a trap). Each is refused naming it.
    func testHostileMetadataIsRefusedBeforeAnyAllocation() throws {
        let folder = Fixtures.repositoryRoot.appendingPathComponent("fuzz/reproducers/FuzzModelFile")
        for (name, reason) in [
            ("head-layer-twice", "metadata head: layers [2, 2] name a layer twice"),
            ("head-huge-width", "metadata head: more than "),
            ("smoothing-sigma-1e9", "metadata smoothing_sigma is 1e+09, not in 0...1000.0"),
            ("smoothing-sigma-inf", "metadata smoothing_sigma is inf, not in 0...1000.0"),
        ] {
            let url = folder.appendingPathComponent("\(name).safetensors")
            XCTAssertThrowsError(try ModelFile.read(from: url), name) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(url.path): \(reason)"), "\(name): \(error)")
            }
        }
    }

    func testLayoutProblemsOfHeadsReadFromFiles() {
        var c = HeadTestData.config
        XCTAssertNil(ParameterLayout.problem(head: c))
        let count = ParameterLayout(head: c).totalCount
        XCTAssertNil(ParameterLayout.problem(head: c, limit: count))
        XCTAssertEqual(ParameterLayout.problem(head: c, limit: count - 1), "more than \(count - 1) parameters")
        c.adapterRank = -4
        XCTAssertEqual(ParameterLayout.problem(head: c), "adapterRank is -4, not a positive size")
        c = HeadTestData.config
        c.layers = [0, 3]
        XCTAssertEqual(ParameterLayout.problem(head: c), "layer 0 is not a block number (counted from 1)")
        c.layers = [3, 1, 3]
        XCTAssertEqual(ParameterLayout.problem(head: c), "layers [3, 1, 3] name a layer twice")
        c = HeadTestData.config
        c.jointDim = 1 << 40
        XCTAssertEqual(ParameterLayout.problem(head: c), "more than \(Int.max) parameters", "d x d overflows")
    }
}
