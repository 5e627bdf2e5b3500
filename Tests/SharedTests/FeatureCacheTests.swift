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
}
