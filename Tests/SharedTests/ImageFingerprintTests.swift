import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Fingerprints: the exact pixel digest, the perceptual hash against planted copies and
/// against distinct simulator images (the figures of docs/BENCHMARKS.md, "Duplicate
/// detection", are printed by these tests), and DuplicateGroups on a planted set.
final class ImageFingerprintTests: XCTestCase {
    let threshold = ImageFingerprint.nearDuplicateThreshold

    /// The copies every fingerprint must find: what re-exporting, re-cropping and
    /// re-encoding a scan does.
    static let plantedEdits: [(name: String, edit: @Sendable (Tensor) -> Tensor)] = [
        ("resize 0.5x", { PlantedEdits.resize($0, height: 0.5, width: 0.5) }),
        ("resize 0.75x", { PlantedEdits.resize($0, height: 0.75, width: 0.75) }),
        ("resize 1.5x", { PlantedEdits.resize($0, height: 1.5, width: 1.5) }),
        ("resize 1.0x1.1 (aspect)", { PlantedEdits.resize($0, height: 1.0, width: 1.1) }),
        ("resize 0.9x1.0 (aspect)", { PlantedEdits.resize($0, height: 0.9, width: 1.0) }),
        ("crop 2% each side", { PlantedEdits.crop($0, top: 0.02, bottom: 0.02, left: 0.02, right: 0.02) }),
        ("crop 3% each side", { PlantedEdits.crop($0, top: 0.03, bottom: 0.03, left: 0.03, right: 0.03) }),
        ("crop 5% each side", { PlantedEdits.crop($0, top: 0.05, bottom: 0.05, left: 0.05, right: 0.05) }),
        ("crop 5% top and left", { PlantedEdits.crop($0, top: 0.05, bottom: 0, left: 0.05, right: 0) }),
        ("crop 3.5/1/1.5/4%", { PlantedEdits.crop($0, top: 0.035, bottom: 0.01, left: 0.015, right: 0.04) }),
        ("gain 0.7", { PlantedEdits.map($0) { $0 * 0.7 } }),
        ("gain 1.3", { PlantedEdits.map($0) { $0 * 1.3 } }),
        ("offset +0.1", { PlantedEdits.map($0) { $0 + 0.1 } }),
        ("offset -0.1", { PlantedEdits.map($0) { $0 - 0.1 } }),
        ("gamma 0.8", { PlantedEdits.map($0) { pow($0, 0.8) } }),
        ("gamma 1.25", { PlantedEdits.map($0) { pow($0, 1.25) } }),
        ("8-bit requantization", { PlantedEdits.requantize($0) }),
        ("noise sigma 0.03", { PlantedEdits.noise($0, sigma: 0.03, seed: 5) }),
        ("shift 2 px right (black fill)", { PlantedEdits.shift($0, pixels: 2) }),
        ("shift 4 px right (black fill)", { PlantedEdits.shift($0, pixels: 4) }),
        ("shift 4 px left (edge fill)", { PlantedEdits.shift($0, pixels: -4, replicate: true) }),
        ("resize 0.75x0.8, crop 3/3/4/2%, gain 1.2, gamma 0.9, 8 bits", {
            PlantedEdits.requantize(PlantedEdits.map(PlantedEdits.crop(PlantedEdits.resize($0, height: 0.75, width: 0.8),
                                                                       top: 0.03, bottom: 0.03, left: 0.04, right: 0.02)) { pow($0 * 1.2, 0.9) })
        }),
        ("crop 5/2/0/5%, gamma 1.25, gain 0.8, noise 0.02", {
            PlantedEdits.noise(PlantedEdits.map(PlantedEdits.crop($0, top: 0.05, bottom: 0.02, left: 0, right: 0.05)) { pow($0, 1.25) * 0.8 },
                               sigma: 0.02, seed: 3)
        }),
    ]

    static func percentile(_ sorted: [Int], _ p: Double) -> Int {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// The distance of the whole frames alone, without the crop windows.
    static func frameDistance(_ a: PerceptualHash, _ b: PerceptualHash) -> Int {
        zip(a.words.prefix(4), b.words.prefix(4)).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
    }

    // MARK: pixel digest

    func testPixelDigestIsEqualExactlyForEqualPixels() throws {
        let image = SimulatorImageSet.images[0].image
        let digest = ImageFingerprint(image: image).pixels
        XCTAssertEqual(digest.count, 16)
        XCTAssertEqual(ImageFingerprint(image: Tensor(shape: image.shape, data: image.data)).pixels, digest)
        // Below 8-bit precision the pixels are the same; one level apart they are not.
        let levels = PlantedEdits.requantize(image)
        var same = levels, changed = levels
        same.data[1000] += 0.1 / 255
        changed.data[1000] += levels.data[1000] < 0.5 ? 1 / 255 : -1 / 255
        XCTAssertEqual(ImageFingerprint(image: levels).pixels, digest)
        XCTAssertEqual(ImageFingerprint(image: same).pixels, digest)
        XCTAssertNotEqual(ImageFingerprint(image: changed).pixels, digest)
        // The same samples in another shape are another image.
        XCTAssertNotEqual(ImageFingerprint(image: image.reshaped([3, 64, 256])).pixels, digest)

        // A gray PNG and an RGB PNG of the same pixels decode alike, so their digests agree.
        let dir = try temporaryFolder(self, prefix: "fingerprint")
        let gray = dir.appendingPathComponent("gray.png").path, rgb = dir.appendingPathComponent("rgb.png").path
        try PNGImage.writeGray8(gray, width: 128, height: 128, values: Array(image.data[0..<(128 * 128)]))
        try PNGImage.writeRGB8(rgb, width: 128, height: 128, pixels: image.data, layout: .chw)
        func read(_ path: String) throws -> ImageFingerprint {
            ImageFingerprint(image: Tensor(shape: [3, 128, 128], data: try PNGImage.readRGB(path).pixels))
        }
        let fromGray = try read(gray), fromRGB = try read(rgb)
        XCTAssertEqual(fromGray.pixels, digest)
        XCTAssertEqual(fromRGB.pixels, digest)
        XCTAssertEqual(fromGray.distance(to: fromRGB), 0)
    }

    func testFingerprintsRoundTripThroughJSON() throws {
        let fingerprint = ImageFingerprint(image: SimulatorImageSet.images[1].image)
        let json = try JSONEncoder().encode(fingerprint)
        XCTAssertEqual(try JSONDecoder().decode(ImageFingerprint.self, from: json), fingerprint)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: String])
        XCTAssertEqual(object["perceptual"]?.count, 1024)
        let cut = try JSONEncoder().encode(["pixels": fingerprint.pixels, "perceptual": String(object["perceptual"]!.dropLast())])
        XCTAssertThrowsError(try JSONDecoder().decode(ImageFingerprint.self, from: cut))
    }

    // MARK: perceptual hash

    func testAreaDownsampleAveragesTheCoveredArea() {
        // 5 pixels into 2 cells of 2.5: weights 1, 1, 0.5 and 0.5, 1, 1 (over 2.5).
        let cells = AreaDownsample.cells(from: 0, to: 5, count: 2, size: 5)
        XCTAssertEqual(cells.map(\.first), [0, 2])
        XCTAssertEqual(cells.map(\.weights), [[0.4, 0.4, 0.2], [0.2, 0.4, 0.4]])
        // A window: pixels 1..<3 of 4 into 4 cells, each half a pixel.
        XCTAssertEqual(AreaDownsample.cells(from: 1, to: 3, count: 4, size: 4).map(\.first), [1, 1, 2, 2])
        // [2, 4] -> [1, 2]: the means of 2 x 2 blocks.
        let plane: [Float] = [1, 2, 3, 4,
                              5, 6, 7, 8]
        let wide = AreaDownsample.alongWidth(plane, height: 2, width: 4, cells: AreaDownsample.cells(from: 0, to: 4, count: 2, size: 4))
        XCTAssertEqual(wide, [1.5, 3.5, 5.5, 7.5])
        XCTAssertEqual(AreaDownsample.alongHeight(wide, height: 2, width: 2, cells: AreaDownsample.cells(from: 0, to: 2, count: 1, size: 2)),
                       [3.5, 5.5])
    }

    /// Every planted copy of 24 simulator images (3 per site, one per class) is within the
    /// threshold; a horizontal flip is not (and need not be).
    func testPlantedCopiesAreWithinTheThreshold() {
        let sample = stride(from: 0, to: SimulatorImageSet.images.count, by: 25).map { SimulatorImageSet.images[$0] }
        let hashes = sample.map { PerceptualHash(image: $0.image) }
        var all: [Int] = []
        for (name, edit) in Self.plantedEdits {
            let copies = sample.map { PerceptualHash(image: edit($0.image)) }
            let d = zip(hashes, copies).map { $0.distance(to: $1) }
            let frames = zip(hashes, copies).map { Self.frameDistance($0, $1) }
            all += d
            print("planted " + name.padding(toLength: 60, withPad: " ", startingAt: 0),
                  String(format: "max %3d median %3d | frame only: max %3d", d.max()!, d.sorted()[d.count / 2], frames.max()!))
            for (k, v) in d.enumerated() where v > threshold {
                XCTFail("\(name) of \(sample[k].name): distance \(v) > \(threshold)")
            }
        }
        all.sort()
        print("planted: \(all.count) copies, \(all.filter { $0 <= threshold }.count) within \(threshold);",
              "distance median \(Self.percentile(all, 0.5)), p95 \(Self.percentile(all, 0.95)), p99 \(Self.percentile(all, 0.99)), max \(all.last!)")
        let flipped = zip(sample, hashes).map { s, h in h.distance(to: PerceptualHash(image: Augment.horizontalFlip(s.image))) }
        print("horizontal flip: min \(flipped.min()!), median \(flipped.sorted()[flipped.count / 2])")
        XCTAssertGreaterThan(flipped.min()!, threshold)
    }

    /// No two distinct simulator images (600 images, 179,700 pairs) are within the
    /// threshold; prints the distribution of their distances.
    func testDistinctSimulatorImagesAreFurtherApartThanTheThreshold() {
        let images = SimulatorImageSet.images
        let start = Date()
        let hashes = images.map { PerceptualHash(image: $0.image) }
        let hashSeconds = Date().timeIntervalSince(start)
        var distances: [Int] = [], frames: [Int] = []
        distances.reserveCapacity(images.count * (images.count - 1) / 2)
        var closest = (distance: Int.max, a: 0, b: 0)
        for a in hashes.indices {
            for b in (a + 1)..<hashes.count {
                let d = hashes[a].distance(to: hashes[b])
                distances.append(d)
                frames.append(Self.frameDistance(hashes[a], hashes[b]))
                if d < closest.distance { closest = (d, a, b) }
            }
        }
        distances.sort(); frames.sort()
        let within = distances.prefix { $0 <= threshold }.count
        print(String(format: "distinct: %d images, %d pairs, hashed in %.2f ms each", images.count, distances.count,
                     1000 * hashSeconds / Double(images.count)))
        for (name, d) in [("aligned", distances), ("frame only", frames)] {
            print("distinct \(name): min \(d[0]), p0.01 \(Self.percentile(d, 0.0001)), p0.1 \(Self.percentile(d, 0.001)),",
                  "p1 \(Self.percentile(d, 0.01)), p5 \(Self.percentile(d, 0.05)), median \(Self.percentile(d, 0.5))")
        }
        print("distinct: closest pair \(images[closest.a].name) ~ \(images[closest.b].name) at \(closest.distance);",
              "\(within) pairs within \(threshold)")
        XCTAssertEqual(within, 0)
    }
}
