import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// EXTRACT and FEATURES payloads: exact round trips and strict decoding.
final class ExtractionWireTests: XCTestCase {
    let extract = ExtractPayload(weights: "/models/clip.safetensors", imageSize: 224, layers: [3, 6], preprocess: .squash,
                                 featureDType: .float16, extractorDigest: "0123456789abcdef",
                                 items: [ExtractItem(index: 7, view: .identity, imageFile: [0x89, 0x50, 0x4E, 0x47]),
                                         ExtractItem(index: 8, view: .gain1_25, imageFile: [1, 2, 3])])

    func features(_ rng: inout SplitMix64) -> ImageFeatures {
        ImageFeatures(g: HeadTestData.normals([4], &rng),
                      u: [HeadTestData.normals([9, 6], &rng), HeadTestData.normals([9, 6], &rng)],
                      z0: [HeadTestData.normals([9, 4], &rng), HeadTestData.normals([9, 4], &rng)])
    }

    func testExtractRoundTripsWithItsByteLayout() throws {
        let bytes = extract.encoded()
        XCTAssertEqual(try ExtractPayload(decoding: bytes), extract)
        // string weights | u32 size | int32s layers | string preprocess | string feature dtype | string digest | u32 n |
        // (u32 index, u32 view, u64 len + bytes)...
        var r = ByteReader(bytes)
        XCTAssertEqual(try r.string("w"), "/models/clip.safetensors")
        XCTAssertEqual(try r.u32("s"), 224)
        XCTAssertEqual(try r.int32s("l"), [3, 6])
        XCTAssertEqual(try r.string("p"), "squash")
        XCTAssertEqual(try r.string("t"), "float16")
        XCTAssertEqual(try r.string("d"), "0123456789abcdef")
        XCTAssertEqual(try r.u32("n"), 2)
        XCTAssertEqual(try r.u32("i"), 7)
        XCTAssertEqual(try r.u32("v"), 0)
        XCTAssertEqual(try r.raw("f"), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(try r.u32("i"), 8)
        XCTAssertEqual(try r.u32("v"), 5, "gain1.25 is view 5")
        XCTAssertEqual(try r.raw("f"), [1, 2, 3])
        XCTAssertEqual(r.remaining, 0)
        XCTAssertEqual(ViewKind.allCases.map(\.wireIndex), [0, 1, 2, 3, 4, 5])
    }

    func testFeaturesRoundTripExactly() throws {
        var rng = SplitMix64(seed: 11)
        let a = features(&rng), b = features(&rng)
        let payload = FeaturesPayload(extractorDigest: "abc", computeSeconds: 0.25, items: [(3, a), (9, b)])
        let back = try FeaturesPayload(decoding: payload.encoded())
        XCTAssertEqual(back.extractorDigest, "abc")
        XCTAssertEqual(back.computeSeconds, 0.25)
        XCTAssertEqual(back.items.map(\.index), [3, 9])
        XCTAssertEqual(back.items[0].features.g, a.g)
        XCTAssertEqual(back.items[0].features.u, a.u)
        XCTAssertEqual(back.items[1].features.z0, b.z0)
    }

    func testFloat16FeaturesTravelAsHalvesAndComeBackTheSameBits() throws {
        var rng = SplitMix64(seed: 14)
        let full = features(&rng), half = full.stored(as: .float16)
        let back = try FeaturesPayload(decoding: FeaturesPayload(extractorDigest: "abc", computeSeconds: 0, items: [(0, half)]).encoded())
        XCTAssertEqual(back.items[0].features.u, half.u)
        XCTAssertEqual(back.items[0].features.z0, half.z0)
        XCTAssertEqual((back.items[0].features.u + back.items[0].features.z0).map(\.dtype), Array(repeating: .float16, count: 4))
        // Each value is float32's rounded to the nearest half.
        XCTAssertEqual(half.u[1].tensor.data, full.u[1].tensor.data.map { Float(Float16($0)) })
        // matrix: u8 dtype 1 | u32 rank | u64 dims | u64 count | 2 bytes a value.
        var w = ByteWriter()
        w.matrix(half.z0[0])
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try r.u8("dtype"), 1)
        XCTAssertEqual(try r.u32("rank"), 2)
        XCTAssertEqual([try r.u64("d"), try r.u64("d")], [9, 4])
        XCTAssertEqual(try r.u64("count"), 36)
        XCTAssertEqual(r.remaining, 72, "two bytes a value")
        // A float32 matrix: dtype 0 and four bytes a value; an unknown dtype is refused.
        var w32 = ByteWriter()
        w32.matrix(full.z0[0])
        XCTAssertEqual(w32.bytes.count, 1 + 4 + 16 + 8 + 144)
        XCTAssertEqual(w32.bytes[0], 0)
        var bad = w.bytes
        bad[0] = 2
        var rb = ByteReader(bad)
        XCTAssertThrowsError(try rb.matrix("Z0")) {
            XCTAssertEqual($0 as? WireError, .malformed("Z0: dtype 2 (0 float32 and 1 float16 are known)"))
        }
    }

    func testTruncatedTrailingAndGarbagePayloadsAreRejected() throws {
        var rng = SplitMix64(seed: 12)
        let features = FeaturesPayload(extractorDigest: "abc", computeSeconds: 1, items: [(0, features(&rng))]).encoded()
        let extract = self.extract.encoded()
        for (name, bytes, decode) in [("EXTRACT", extract, { (b: [UInt8]) throws -> Void in _ = try ExtractPayload(decoding: b) }),
                                      ("FEATURES", features, { (b: [UInt8]) throws -> Void in _ = try FeaturesPayload(decoding: b) })] {
            for cut in [0, 1, 4, 11, bytes.count / 2, bytes.count - 1] {
                XCTAssertThrowsError(try decode(Array(bytes.prefix(cut))), "\(name) cut at \(cut)") {
                    XCTAssertEqual(($0 as? WireError)?.kind, "malformed payload")
                }
            }
            XCTAssertThrowsError(try decode(bytes + [0]), "\(name) with a trailing byte") {
                XCTAssertEqual($0 as? WireError, .malformed("\(name): 1 unexpected trailing bytes"))
            }
            var garbage = SplitMix64(seed: 13)
            for n in [3, 40, 400, 4000] {
                let random = (0..<n).map { _ in UInt8(truncatingIfNeeded: garbage.next()) }
                XCTAssertThrowsError(try decode(random), "\(name): \(n) random bytes") {
                    XCTAssertEqual(($0 as? WireError)?.kind, "malformed payload", "\(name): \(n) random bytes: \($0)")
                }
            }
        }
        // Values that fit the layout but are impossible.
        var bad = self.extract
        bad.items[0].view = .hflip
        var bytes = bad.encoded()
        let viewOffset = (4 + 24) + 4 + (8 + 2 * 4) + (4 + 6) + (4 + 7) + (4 + 16) + 4 + 4   // weights, size, layers, preprocess, dtype, digest, count, index
        XCTAssertEqual(bytes[viewOffset], 1)
        bytes[viewOffset] = 6
        XCTAssertThrowsError(try ExtractPayload(decoding: bytes)) { XCTAssertEqual($0 as? WireError, .malformed("EXTRACT item 7: view 6")) }
        // An unknown preprocess (the same length as "squash", so the layout holds).
        var mode = self.extract.encoded()
        let at = (4 + 24) + 4 + (8 + 2 * 4) + 4
        XCTAssertEqual(Array(mode[at..<(at + 6)]), Array("squash".utf8))
        mode.replaceSubrange(at..<(at + 6), with: Array("zoomed".utf8))
        XCTAssertThrowsError(try ExtractPayload(decoding: mode)) { XCTAssertEqual($0 as? WireError, .malformed("EXTRACT: preprocess 'zoomed'")) }
        bad = self.extract
        bad.items = []
        XCTAssertThrowsError(try ExtractPayload(decoding: bad.encoded())) { XCTAssertEqual($0 as? WireError, .malformed("EXTRACT: 0 items")) }
        bad = self.extract
        bad.layers = []
        XCTAssertThrowsError(try ExtractPayload(decoding: bad.encoded())) {
            XCTAssertEqual($0 as? WireError, .malformed("EXTRACT: weights '/models/clip.safetensors', image size 224, layers []"))
        }
        bad = self.extract
        bad.imageSize = 0
        XCTAssertThrowsError(try ExtractPayload(decoding: bad.encoded())) {
            XCTAssertEqual($0 as? WireError, .malformed("EXTRACT: weights '/models/clip.safetensors', image size 0, layers [3, 6]"))
        }
    }
}
