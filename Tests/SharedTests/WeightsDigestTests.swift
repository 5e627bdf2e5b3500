import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The backbone's identity is its weights' content: a copy elsewhere is the same backbone,
/// a rewritten file another one; the hash is remembered by path, size and mtime.
final class WeightsDigestTests: XCTestCase {
    func testTheDigestIsTheContentsAndACopyElsewhereHasTheSame() throws {
        let dir = try temporaryFolder(self, prefix: "ultraad-weights")
        let memo = dir.appendingPathComponent("cache/weights-digests.tsv")
        let original = dir.appendingPathComponent("a/model.safetensors"), copy = dir.appendingPathComponent("b/model.safetensors")
        try FileManager.default.createDirectory(at: original.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        let bytes = (0..<((4 << 20) + 4096)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }   // over two 4 MiB pieces
        try Data(bytes).write(to: original)
        try FileManager.default.copyItem(at: original, to: copy)

        let digest = try WeightsDigest.of(original.path, memo: memo)
        XCTAssertEqual(digest, fnv1aDigest(bytes))
        XCTAssertEqual(try WeightsDigest.of(copy.path, memo: memo), digest, "a copy is the same backbone")
        XCTAssertEqual(WeightsDigest.read(memo).count, 2, "one remembered stamp per file")
        XCTAssertEqual(WeightsDigest.read(memo)[try WeightsDigest.stamp(copy.path)], digest)

        // A rewritten file (other bytes, new mtime) is another backbone.
        var changed = bytes
        changed[5] ^= 1
        try Data(changed).write(to: copy)
        XCTAssertEqual(try WeightsDigest.of(copy.path, memo: memo), fnv1aDigest(changed))
        XCTAssertNotEqual(fnv1aDigest(changed), digest)
        // The table is what answers while the stamp is unchanged: a planted entry is believed.
        var table = WeightsDigest.read(memo)
        table[try WeightsDigest.stamp(original.path)] = "0123456789abcdef"
        WeightsDigest.write(table, to: memo)
        XCTAssertEqual(try WeightsDigest.of(original.path, memo: memo), "0123456789abcdef")

        XCTAssertEqual(try WeightsDigest.of("builtin:tiny", memo: memo), "builtin:tiny")
        XCTAssertThrowsError(try WeightsDigest.of(dir.appendingPathComponent("missing.safetensors").path, memo: memo)) { error in
            guard case .unreadable(let file, _)? = error as? CLIPLoadError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, dir.appendingPathComponent("missing.safetensors").path)
        }
    }

    func testTheExtractorDigestFollowsTheWeightsSizeLayersNumericsAndFeatureDType() throws {
        let model = try CLIPModel.load("builtin:tiny")
        func digest(weights: String = "w", size: Int? = nil, layers: [Int]? = nil, dtype: FeatureDType = .float32) throws -> String {
            try FrozenFeatureExtractor(model: model, imageSize: size, layers: layers, weightsDigest: weights, preprocess: .crop,
                                       featureDType: dtype).digest
        }
        let base = try digest()
        XCTAssertEqual(try digest(), base)
        // float32's digest is what it was before the choice existed, so its cache entries stay.
        XCTAssertEqual(base, fnv1aDigest(Array("weights w size 224 layers [1, 3, 4, 6] numerics \(FrozenFeatureExtractor.numericsVersion)".utf8)))
        XCTAssertEqual(try digest(dtype: .float16),
                       fnv1aDigest(Array("weights w size 224 layers [1, 3, 4, 6] numerics \(FrozenFeatureExtractor.numericsVersion) dtype float16".utf8)))
        XCTAssertEqual(Set([base, try digest(weights: "v"), try digest(size: 96), try digest(layers: [2]), try digest(dtype: .float16)]).count, 5)
    }
}
