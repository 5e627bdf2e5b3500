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
