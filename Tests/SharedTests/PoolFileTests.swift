import Foundation
@testable import FuzzTargets
import XCTest
@testable import Shared
@testable import TestSupport

/// Prepared pools whose tensors do not fit one another: refused on reading, naming the file
/// and the tensor, instead of trapping later (in `bank`, or laying out the head's parameters).
final class PoolFileTests: XCTestCase {
    let fuzz = Fixtures.repositoryRoot.appendingPathComponent("fuzz")

    func testTheSeedsRead() throws {
        let cache = FeatureCache(root: FuzzTarget.poolCache)
        for name in ["pool-v1", "pool-v2"] {
            let pool = try PreparedPool.read(from: fuzz.appendingPathComponent("corpus/FuzzPool/\(name).safetensors"), cache: cache, featureDType: .float32)
            XCTAssertEqual(pool.pool.images.map(\.views.count), [1, 2], name)
            XCTAssertEqual(pool.bank.ft.shape, [3, 4], name)
        }
    }

    /// fuzz/reproducers/FuzzPool: a view whose g is longer than d (the bank's Ft could not be
    /// made: a trap), and a version 2 pool whose cache entries have another d than its text.T0.
    func testFeaturesOfOtherSizesThanTheTextAreRefused() throws {
        let cache = FeatureCache(root: FuzzTarget.poolCache)
        for (name, message) in [("view-g-longer-than-d", "view.1.g has shape [5], expected [4]"),
                                ("cache-entry-of-other-sizes", "view.0.g has shape [4], expected [3]")] {
            let url = fuzz.appendingPathComponent("reproducers/FuzzPool/\(name).safetensors")
            XCTAssertThrowsError(try PreparedPool.read(from: url, cache: cache, featureDType: .float32), name) { error in
                XCTAssertEqual("\(error)", "\(url.path): \(message)")
            }
        }
    }

    /// fuzz/reproducers/FuzzPool/image-views-beyond-the-file: image.views of 1634560290 and
    /// 1814979943 in a 2.8 KB file. Reading laid out an array for that many views (104 GB,
    /// AddressSanitizer's out-of-memory); now it is an error before any allocation.
    func testAViewCountBeyondTheFilesTensorsIsRefused() throws {
        let url = fuzz.appendingPathComponent("reproducers/FuzzPool/image-views-beyond-the-file.safetensors")
        XCTAssertThrowsError(try PreparedPool.read(from: url, cache: nil, featureDType: .float32)) { error in
            XCTAssertEqual("\(error)", "\(url.path): image.views claims 1634560290 views or more, and the file holds 23 tensors (each view needs its own)")
        }
    }

    /// Layers "1,1" read as a pool, then trapped where train laid out the head's parameters.
    func testALayerNamedTwiceIsRefused() throws {
        let seed = try SafeTensorsReader(contentsOf: fuzz.appendingPathComponent("corpus/FuzzPool/pool-v1.safetensors"))
        var metadata = seed.metadata.filter { $0.key != SafeTensorsWriter.checksumKey }
        metadata["layers"] = "1,1"
        var w = SafeTensorsWriter(metadata: metadata)
        w.checksummed = true
        for e in seed.entries {
            if e.dtype == .i32 {
                let v = try seed.int32Tensor(e.name)
                try w.add(e.name, shape: v.shape, int32: v.values)
            } else {
                try w.add(e.name, try seed.tensor(e.name))
            }
        }
        let url = try temporaryFolder(self, prefix: "pool").appendingPathComponent("twice.safetensors")
        try w.write(to: url)
        XCTAssertThrowsError(try PreparedPool.read(from: url, cache: nil, featureDType: .float32)) { error in
            XCTAssertEqual("\(error)", "\(url.path): metadata layers [1, 1] are not distinct block numbers (counted from 1)")
        }
    }
}
