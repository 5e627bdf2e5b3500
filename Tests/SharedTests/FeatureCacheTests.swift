import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

final class FeatureCacheTests: XCTestCase {
    func testRoundTripMissAndDamagedEntries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = FeatureCache(root: dir)
        var rng = SplitMix64(seed: 1)
        let f = ImageFeatures(g: HeadTestData.normals([8], &rng),
                              u: [HeadTestData.normals([4, 6], &rng), HeadTestData.normals([4, 6], &rng)],
                              z0: [HeadTestData.normals([4, 8], &rng), HeadTestData.normals([4, 8], &rng)])
        XCTAssertNil(try cache.lookup(backbone: "b1", image: "abc", view: "hflip"))
        try cache.store(f, backbone: "b1", image: "abc", view: "hflip")
        let back = try XCTUnwrap(try cache.lookup(backbone: "b1", image: "abc", view: "hflip"))
        XCTAssertEqual(back.g, f.g)
        XCTAssertEqual(back.u, f.u)
        XCTAssertEqual(back.z0, f.z0)
        XCTAssertNil(try cache.lookup(backbone: "b2", image: "abc", view: "hflip"), "keyed by backbone")
        XCTAssertNil(try cache.lookup(backbone: "b1", image: "abc", view: "identity"), "keyed by view")
        let entry = cache.url(backbone: "b1", image: "abc", view: "hflip")
        var bytes = [UInt8](try Data(contentsOf: entry))
        bytes[bytes.count / 2] ^= 0x55
        try Data(bytes).write(to: entry)
        XCTAssertThrowsError(try cache.lookup(backbone: "b1", image: "abc", view: "hflip")) {
            guard case let .damaged(file, _)? = $0 as? FeatureCacheError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, entry.path)
            XCTAssertTrue("\($0)".contains("damaged feature cache entry") && "\($0)".contains(entry.path), "\($0)")
        }
    }

    func testFloat16EntriesKeepTheirHalvesAndVersion1EntriesAreStillRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = FeatureCache(root: dir)
        var rng = SplitMix64(seed: 3)
        let f = ImageFeatures(g: HeadTestData.normals([8], &rng), u: [HeadTestData.normals([16, 24], &rng)],
                              z0: [HeadTestData.normals([16, 8], &rng)])
        try cache.store(f, backbone: "b", image: "full", view: "identity")
        try cache.store(f.stored(as: .float16), backbone: "b", image: "half", view: "identity")
        let half = try XCTUnwrap(try cache.lookup(backbone: "b", image: "half", view: "identity"))
        XCTAssertEqual(half.u, f.stored(as: .float16).u)
        XCTAssertEqual(half.z0.map(\.dtype), [.float16])
        XCTAssertEqual(half.g, f.g, "g stays float32")
        // Decoded, the float16 entry is the float32 one less two bytes a U and Z0 value.
        func decodedSize(_ image: String) throws -> Int {
            try LZ4Frame.decompress([UInt8](try Data(contentsOf: cache.url(backbone: "b", image: image, view: "identity"))),
                                    maxSize: FeatureCache.maxEntrySize, what: image).count
        }
        XCTAssertEqual(try decodedSize("full") - decodedSize("half"), 2 * (16 * 24 + 16 * 8))
        // Version 1 (the layout before feature matrices had a dtype): every U and Z0 a tensor.
        var w = ByteWriter()
        for byte in FeatureCache.magic { w.u8(byte) }
        w.u32(1)
        w.tensor(f.g); w.u32(1); w.tensor(f.u[0].tensor); w.tensor(f.z0[0].tensor)
        let old = cache.url(backbone: "b", image: "old", view: "identity")
        try Data(try LZ4Frame.compress(w.bytes, what: "old")).write(to: old)
        let read = try XCTUnwrap(try cache.lookup(backbone: "b", image: "old", view: "identity"))
        XCTAssertEqual(read.u, f.u)
        XCTAssertEqual(read.z0, f.z0)
    }

    /// The fuzzer's float16 seeds are valid inputs, so that it starts from the new layout.
    func testTheFloat16FuzzSeedsDecode() throws {
        let corpus = Fixtures.repositoryRoot.appendingPathComponent("fuzz/corpus")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = FeatureCache(root: dir)
        let entry = cache.url(backbone: "b", image: "seed", view: "identity")
        try FileManager.default.createDirectory(at: entry.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: corpus.appendingPathComponent("FuzzFeatureCache/float16.feat"), to: entry)
        let f = try XCTUnwrap(try cache.lookup(backbone: "b", image: "seed", view: "identity"))
        XCTAssertEqual((f.u + f.z0).map(\.dtype), [.float16, .float16])
        let message = [UInt8](try Data(contentsOf: corpus.appendingPathComponent("FuzzMessages/kind11-float16")))
        XCTAssertEqual(message.first, 11, "FuzzMessages' kind 11: FEATURES")
        let features = try FeaturesPayload(decoding: Array(message.dropFirst()))
        XCTAssertEqual(features.items.map { $0.features.u[0].dtype }, [.float16, .float32])
    }

    /// An entry's frame header declares its decoded size. It was trusted up to 4 GiB: a
    /// 40-byte entry declaring that much had the reader allocate (and zero) 4 GiB before the
    /// decoder found the frame short. Now the limit is `maxEntrySize`, and under it the frame's
    /// own bytes (`LZ4Frame.maxExpansion` per byte).
    func testHostileHeaderSizesAreDamagedEntriesWithoutTheAllocation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = FeatureCache(root: dir)
        var rng = SplitMix64(seed: 2)
        try cache.store(ImageFeatures(g: HeadTestData.normals([3], &rng), u: [HeadTestData.normals([1, 2], &rng)],
                                      z0: [HeadTestData.normals([1, 3], &rng)]), backbone: "b", image: "abc", view: "identity")
        let entry = cache.url(backbone: "b", image: "abc", view: "identity")
        let frame = [UInt8](try Data(contentsOf: entry))
        XCTAssertLessThan(frame.count * LZ4Frame.maxExpansion, FeatureCache.maxEntrySize)
        for (declared, reason) in [(UInt64(1) << 32, "more than the limit of \(FeatureCache.maxEntrySize)"),
                                   (UInt64(FeatureCache.maxEntrySize), "more than a frame of that size can hold")] {
            var hostile = frame
            for k in 0..<8 { hostile[6 + k] = UInt8(truncatingIfNeeded: declared >> (8 * UInt64(k))) }
            hostile[14] = try XCTUnwrap((0...255).map(UInt8.init).first { c in
                hostile[14] = c
                return (try? LZ4Frame.declaredContentSize(hostile)) == declared
            }, "a header checksum byte that liblz4 accepts")
            try Data(hostile).write(to: entry)
            XCTAssertThrowsError(try cache.lookup(backbone: "b", image: "abc", view: "identity")) {
                guard case let .damaged(file, message)? = $0 as? FeatureCacheError else { return XCTFail("\($0)") }
                XCTAssertEqual(file, entry.path)
                XCTAssertTrue(message.contains(reason), "\(declared): \(message)")
            }
        }
        // The committed reproducer of FuzzFeatureCache says the same.
        let reproducers = Fixtures.repositoryRoot.appendingPathComponent("fuzz/reproducers/FuzzFeatureCache")
        for name in try FileManager.default.contentsOfDirectory(atPath: reproducers.path) {
            try Data(contentsOf: reproducers.appendingPathComponent(name)).write(to: entry)
            XCTAssertThrowsError(try cache.lookup(backbone: "b", image: "abc", view: "identity"), name)
        }
    }
}
