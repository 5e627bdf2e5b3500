import Foundation
import XCTest
@testable import Shared

/// DuplicateGroups: exact and near duplicates, chains merged, unrelated images apart, the
/// order of groups and members; and its speed on N^2 / 2 pairs.
final class ImageFingerprintGroupsTests: XCTestCase {
    let threshold = ImageFingerprint.nearDuplicateThreshold

    func testPlantedDuplicatesFormExactlyTheExpectedGroups() {
        let set = SimulatorImageSet.images
        let a = set[0].image, p = set[10].image, q = set[200].image, r = set[400].image
        // A chain: each step cuts 5% off the top and the left, so B is near A and C near B,
        // while C has lost 10% of each of those sides and is too far from A on its own.
        let b = PlantedEdits.crop(a, top: 0.05, bottom: 0, left: 0.05, right: 0)
        let c = PlantedEdits.crop(b, top: 0.05, bottom: 0, left: 0.05, right: 0)
        let fa = ImageFingerprint(image: a), fb = ImageFingerprint(image: b), fc = ImageFingerprint(image: c)
        XCTAssertLessThanOrEqual(fa.distance(to: fb), threshold)
        XCTAssertLessThanOrEqual(fb.distance(to: fc), threshold)
        XCTAssertGreaterThan(fa.distance(to: fc), threshold)

        let images: [(id: String, site: String, image: Tensor)] = [
            ("P", "BUSI", p),                                    // 0
            ("unrelated 1", "BUSI", set[40].image),              // 1
            ("A", "BUSI", a),                                    // 2
            ("P again", "UDIAT", p),                             // 3: exact, across sites
            ("Q", "UDIAT", q),                                   // 4
            ("B", "BUSI", b),                                    // 5: near A
            ("unrelated 2", "UDIAT", set[300].image),            // 6
            ("Q at 0.75x", "UDIAT", PlantedEdits.resize(q, height: 0.75, width: 0.75)),  // 7: near Q
            ("C", "UDIAT", c),                                   // 8: near B only
            ("A again", "BUSI", a),                              // 9: exact A
            ("R", "BUSI", r),                                    // 10
            ("R in 8 bits", "BUSI", PlantedEdits.requantize(r)), // 11: the same 8-bit pixels
        ]
        let entries = images.map { DuplicateGroups.Entry(id: $0.id, site: $0.site, fingerprint: ImageFingerprint(image: $0.image)) }
        let groups = DuplicateGroups(entries).groups
        XCTAssertEqual(groups, [
            .init(members: [0, 3], ids: ["P", "P again"], sites: ["BUSI", "UDIAT"], exactOnly: true),
            .init(members: [2, 5, 8, 9], ids: ["A", "B", "C", "A again"], sites: ["BUSI", "UDIAT"], exactOnly: false),
            .init(members: [4, 7], ids: ["Q", "Q at 0.75x"], sites: ["UDIAT"], exactOnly: false),
            .init(members: [10, 11], ids: ["R", "R in 8 bits"], sites: ["BUSI"], exactOnly: true),
        ])
        // A tighter threshold keeps the exact groups and splits the near ones.
        let exact = DuplicateGroups(entries, threshold: -1).groups
        XCTAssertEqual(exact.map(\.members), [[0, 3], [2, 9], [10, 11]])
        XCTAssertTrue(exact.allSatisfy(\.exactOnly))
        XCTAssertEqual(DuplicateGroups([]).groups, [])
    }

    /// The worst case for speed: random hashes, so no pair stops before its last window.
    func testGroupingSpeed() {
        var rng = SplitMix64(seed: 3)
        let n = 3000
        let entries = (0..<n).map { i in
            DuplicateGroups.Entry(id: "\(i)", site: "s", fingerprint: ImageFingerprint(
                pixels: hexDigits(rng.next(), count: 16),
                perceptual: PerceptualHash(words: (0..<(PerceptualHash.windowCount * PerceptualHash.wordsPerHash)).map { _ in rng.next() })))
        }
        let start = Date()
        let groups = DuplicateGroups(entries).groups
        let seconds = Date().timeIntervalSince(start)
        let pairs = Double(n * (n - 1) / 2)
        print(String(format: "grouping: %d random fingerprints, %.0f pairs in %.2f s: %.0f ns per pair", n, pairs, seconds, 1e9 * seconds / pairs))
        XCTAssertEqual(groups, [])
    }
}
