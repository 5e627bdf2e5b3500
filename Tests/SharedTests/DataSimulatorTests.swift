import Datasets
import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The ultrasound simulator: lesions inside their masks and darker than their
/// surroundings, benign and malignant signs, devices that differ, determinism.
final class DataSimulatorTests: XCTestCase {
    static let size = 96
    static let devices = DeviceSettings.draw(count: 3, seed: 21)

    struct Stats { var inside: Float; var ring: Float; var below: Float; var beside: Float }

    /// Mean inside the mask, in a ring `ringWidth` px around it, below the lesion (the
    /// middle half of its columns, one lesion height down) and beside that region at the
    /// same depth.
    func stats(_ x: SimulatedImage, ringWidth: Int = 4) -> Stats {
        let n = x.size
        var inside: [Float] = [], ring: [Float] = []
        var rows: [Int] = [], cols: [Int] = []
        for i in 0..<n {
            for j in 0..<n {
                if x.mask[i * n + j] == 1 {
                    inside.append(x.image[i * n + j]); rows.append(i); cols.append(j)
                    continue
                }
                var near = false
                for di in -ringWidth...ringWidth where !near {
                    for dj in -ringWidth...ringWidth {
                        let a = i + di, b = j + dj
                        if a >= 0, a < n, b >= 0, b < n, x.mask[a * n + b] == 1 { near = true; break }
                    }
                }
                if near { ring.append(x.image[i * n + j]) }
            }
        }
        func mean(_ v: [Float]) -> Float { v.isEmpty ? .nan : v.reduce(0, +) / Float(v.count) }
        guard let top = rows.min(), let bottom = rows.max(), let left = cols.min(), let right = cols.max() else {
            return Stats(inside: .nan, ring: .nan, below: .nan, beside: .nan)
        }
        let h = bottom - top + 1, w = right - left + 1
        let c0 = left + w / 4, c1 = right - w / 4
        var below: [Float] = [], beside: [Float] = []
        for i in (bottom + 2)..<min(n, bottom + 2 + h) {
            for j in c0...c1 { below.append(x.image[i * n + j]) }
            for j in 0..<n where j < left - w / 2 || j > right + w / 2 { beside.append(x.image[i * n + j]) }
        }
        return Stats(inside: mean(inside), ring: mean(ring), below: mean(below), beside: mean(beside))
    }

    func testLesionsAreInsideTheirMasksAndDarkerThanTheirSurroundings() {
        for (d, device) in Self.devices.enumerated() {
            let sim = BModeSimulator(device: device)
            for kind in [LesionClass.benign, .malignant] {
                for k in 0..<4 {
                    let x = sim.render(kind: kind, size: Self.size, seed: UInt64(100 * d + 10 * kind.rawValue + k))
                    guard let lesion = x.lesion else { return XCTFail("\(kind) image without a lesion") }
                    let area = x.mask.reduce(0, +)
                    XCTAssertGreaterThan(area, 20, "device \(d) \(kind) \(k): lesion too small")
                    XCTAssertLessThan(area, Float(Self.size * Self.size) / 4)
                    // Geometry: wherever the lesion changes the tissue, the mask is 1.
                    var checked = 0
                    let r = lesion.reach
                    for i in stride(from: lesion.centerZ - r, to: lesion.centerZ + r, by: r / 40) {
                        for j in stride(from: lesion.centerX - r, to: lesion.centerX + r, by: r / 40) where lesion.weight(x: j, z: i) > 0 {
                            XCTAssertTrue(lesion.contains(x: j, z: i))
                            checked += 1
                        }
                    }
                    XCTAssertGreaterThan(checked, 100)
                    // The image: darker inside than around.
                    let s = stats(x)
                    XCTAssertLessThan(s.inside + 0.1, s.ring, "device \(d) \(kind) \(k): inside \(s.inside), ring \(s.ring)")
                }
            }
            let normal = sim.render(kind: .normal, size: Self.size, seed: 5)
            XCTAssertNil(normal.lesion)
            XCTAssertEqual(normal.mask.reduce(0, +), 0)
        }
    }

    func testBenignAndMalignantSigns() {
        var benignAspect: [Double] = [], malignantAspect: [Double] = []
        var enhancement: [Float] = [], shadowing: [Float] = []
        var benignIrregularity: [Double] = [], malignantIrregularity: [Double] = []
        for k in 0..<12 {
            let sim = BModeSimulator(device: Self.devices[k % 3])
            for kind in [LesionClass.benign, .malignant] {
                let x = sim.render(kind: kind, size: Self.size, seed: UInt64(1000 + 2 * k + kind.rawValue))
                guard let lesion = x.lesion else { return XCTFail("no lesion") }
                let s = stats(x)
                // Irregularity: spread of the outline radius around the mean.
                let radii = stride(from: 0.0, to: 2 * Double.pi, by: 0.01).map(lesion.radius)
                let mean = radii.reduce(0, +) / Double(radii.count)
                let spread = (radii.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(radii.count)).squareRoot() / mean
                if kind == .benign {
                    benignAspect.append(lesion.aspect); enhancement.append(s.below - s.beside)
                    benignIrregularity.append(spread)
                } else {
                    malignantAspect.append(lesion.aspect); shadowing.append(s.below - s.beside)
                    malignantIrregularity.append(spread)
                }
            }
        }
        XCTAssertTrue(benignAspect.allSatisfy { $0 > 1.2 }, "benign: wider than tall \(benignAspect)")
        XCTAssertGreaterThanOrEqual(malignantAspect.filter { $0 < 1 }.count, 5, "malignant: often taller than wide \(malignantAspect)")
        XCTAssertGreaterThan(enhancement.reduce(0, +) / 12, 0.04, "benign: posterior enhancement \(enhancement)")
        XCTAssertLessThan(shadowing.reduce(0, +) / 12, -0.04, "malignant: posterior shadowing \(shadowing)")
        XCTAssertLessThan(benignIrregularity.max() ?? 1, malignantIrregularity.min() ?? 0,
                          "benign circumscribed \(benignIrregularity), malignant irregular \(malignantIrregularity)")
    }

    /// Texture of a device over a few normal images: mean brightness, and the speckle
    /// grain as the correlation of horizontally neighbouring pixels (lag 2) after
    /// removing the local mean (a 9x9 box), so tissue layers do not count as grain.
    func texture(_ device: DeviceSettings, size: Int = 96) -> (mean: Double, grain: Double) {
        var grain = 0.0, mean = 0.0
        let n = size, b = 4, lag = 2
        for seed in 0..<3 {
            let x = BModeSimulator(device: device).render(kind: .normal, size: n, seed: UInt64(seed)).image.map(Double.init)
            var residual = [Double](repeating: 0, count: n * n)
            for i in b..<(n - b) {
                for j in b..<(n - b) {
                    var s = 0.0
                    for di in -b...b { for dj in -b...b { s += x[(i + di) * n + j + dj] } }
                    residual[i * n + j] = x[i * n + j] - s / Double((2 * b + 1) * (2 * b + 1))
                }
            }
            var sab = 0.0, saa = 0.0, sbb = 0.0
            for i in b..<(n - b) {
                for j in b..<(n - b - lag) {
                    let u = residual[i * n + j], v = residual[i * n + j + lag]
                    sab += u * v; saa += u * u; sbb += v * v
                }
            }
            grain += sab / (saa * sbb).squareRoot() / 3
            mean += x.reduce(0, +) / Double(x.count) / 3
        }
        return (mean, grain)
    }

    func testSitesDifferLikeDevices() {
        let devices = DeviceSettings.draw(count: 2, seed: 3)
        XCTAssertEqual(devices, DeviceSettings.draw(count: 2, seed: 3))
        XCTAssertNotEqual(devices, DeviceSettings.draw(count: 2, seed: 4))
        // Stratified: every setting differs by at least a fifth of its range.
        let (a, b) = (devices[0], devices[1])
        XCTAssertGreaterThan(abs(a.frequencyMHz - b.frequencyMHz), 6.5 / 5)
        XCTAssertGreaterThan(abs(a.gainDB - b.gainDB), 10.0 / 5)
        XCTAssertGreaterThan(abs(a.depthMM - b.depthMM), 20.0 / 5)
        XCTAssertGreaterThan(abs(a.dynamicRangeDB - b.dynamicRangeDB), 17.0 / 5)
        XCTAssertGreaterThan(abs(a.resolution - b.resolution), 0.45 / 5)
        XCTAssertGreaterThan(abs(a.smoothingPx - b.smoothingPx), 0.8 / 5)
        // The two sites' images differ measurably.
        let ta = texture(a), tb = texture(b)
        XCTAssertGreaterThan(max(abs(ta.mean - tb.mean), abs(ta.grain - tb.grain)), 0.05, "site A \(ta), site B \(tb)")

        // Each setting acts as a scanner's would: a coarser PSF gives coarser grain,
        // gain brightens, a lower native resolution blurs.
        var coarse = DeviceSettings.reference
        coarse.speckleAxialMM *= 2; coarse.speckleLateralMM *= 2
        var bright = DeviceSettings.reference
        bright.gainDB += 6
        var lowRes = DeviceSettings.reference
        lowRes.resolution = 0.5
        let t0 = texture(.reference)
        XCTAssertGreaterThan(texture(coarse).grain - t0.grain, 0.1, "coarse PSF")
        XCTAssertEqual(texture(bright).mean - t0.mean, 6 / DeviceSettings.reference.dynamicRangeDB, accuracy: 0.04, "gain")
        XCTAssertGreaterThan(texture(lowRes).grain - t0.grain, 0.1, "low native resolution")
    }

    func testSameSeedSameBytesAndSitesYAML() throws {
        let dir = try DataTestFolder(self)
        var messages: [String] = []
        let file = try SiteSimulation.write(to: dir.url("one"), sites: 2, perClass: 1, seed: 9, size: 40) { messages.append($0) }
        try SiteSimulation.write(to: dir.url("two"), sites: 2, perClass: 1, seed: 9, size: 40)
        try SiteSimulation.write(to: dir.url("other"), sites: 2, perClass: 1, seed: 10, size: 40)
        XCTAssertEqual(messages.count, 2)
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.url("one")).sorted()
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 12)
        XCTAssertTrue(files.contains("site-B/malignant/malignant (1)_mask.png"))
        XCTAssertTrue(files.contains("site-A/normal/normal (1)_mask.png"))
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: dir.url("two")).sorted(), files)
        var differ = 0
        for f in files {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: dir.url("one/" + f), isDirectory: &isDir) || isDir.boolValue { continue }
            let one = try Data(contentsOf: URL(fileURLWithPath: dir.url("one/" + f)))
            XCTAssertEqual(one, try Data(contentsOf: URL(fileURLWithPath: dir.url("two/" + f))), f)
            if one != (try? Data(contentsOf: URL(fileURLWithPath: dir.url("other/" + f)))) { differ += 1 }
        }
        XCTAssertGreaterThan(differ, 8, "another seed writes other images")

        // sites.yaml reads back and its sites load as datasets with masks.
        let yaml = dir.url("one/sites.yaml")
        let text = try String(contentsOfFile: yaml, encoding: .utf8)
        XCTAssertTrue(text.contains("format: ultraad-sites\nversion: 1\n"), text)
        XCTAssertFalse(text.contains("e+"), "plain numbers: \(text)")
        let read = try SitesFile.read(yaml)
        XCTAssertEqual(read, file)
        XCTAssertEqual(read.sites.map(\.name), ["site-A", "site-B"])
        XCTAssertEqual(read.sites[0].device, DeviceSettings.draw(count: 2, seed: 9)[0])
        let datasets = try read.datasets(relativeTo: yaml, options: .init(decodeAll: true))
        XCTAssertEqual(datasets.map(\.name), ["site-A", "site-B"])
        XCTAssertEqual(datasets[1].entries.map(\.relativePath),
                       ["normal/normal (1).png", "benign/benign (1).png", "malignant/malignant (1).png"])
        let loaded = try datasets[0].entries[2].load()
        XCTAssertEqual(loaded.image.shape, [3, 40, 40])
        XCTAssertGreaterThan(loaded.mask.data.reduce(0, +), 0)
        // The mask read back is the simulator's, pixel for pixel.
        let rendered = BModeSimulator(device: DeviceSettings.draw(count: 2, seed: 9)[0])
            .render(kind: .malignant, size: 40, seed: SiteSimulation.imageSeed(seed: 9, site: 0, label: .malignant, index: 1))
        XCTAssertEqual(loaded.mask.data, rendered.mask)

        try dir.text("v2.yaml", text.replacingOccurrences(of: "version: 1", with: "version: 2"))
        XCTAssertThrowsError(try SitesFile.read(dir.url("v2.yaml"))) { e in
            XCTAssertEqual(e as? SimulatorError, .unsupportedVersion(file: dir.url("v2.yaml"), version: 2))
        }
        try dir.text("bad.yaml", "format: something\n")
        XCTAssertThrowsError(try SitesFile.read(dir.url("bad.yaml"))) { e in
            guard case let .invalidSitesFile(file, _)? = e as? SimulatorError else { return XCTFail("\(e)") }
            XCTAssertEqual(file, dir.url("bad.yaml"))
            XCTAssertTrue("\(e)".contains("bad.yaml"), "\(e)")
        }
    }

    func testOverwriteOnlyReplacesAPreviousSimulation() throws {
        let dir = try DataTestFolder(self)
        try SiteSimulation.write(to: dir.url("sim"), sites: 1, perClass: 1, seed: 1, size: 32)
        XCTAssertThrowsError(try SiteSimulation.write(to: dir.url("sim"), sites: 1, perClass: 1, seed: 2, size: 32)) { e in
            guard case let .outputExists(path, hint)? = e as? SimulatorError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, dir.url("sim/sites.yaml"))
            XCTAssertTrue(hint.contains("--overwrite"))
        }
        try dir.png("sim/site-A/normal/stray.png")
        try SiteSimulation.write(to: dir.url("sim"), sites: 1, perClass: 1, seed: 2, size: 32, overwrite: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url("sim/site-A/normal/stray.png")))
        XCTAssertEqual(try SitesFile.read(dir.url("sim/sites.yaml")).seed, 2)
        // A folder that merely has a site-A is not a simulation: never removed.
        try dir.png("mine/site-A/keep.png")
        XCTAssertThrowsError(try SiteSimulation.write(to: dir.url("mine"), sites: 1, perClass: 1, seed: 1, size: 32,
                                                      overwrite: true)) { e in
            guard case let .outputExists(path, _)? = e as? SimulatorError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, dir.url("mine/site-A"))
            XCTAssertTrue("\(e)".contains("not a previous simulation"), "\(e)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.url("mine/site-A/keep.png")))
    }

    func testImageSeedsAndSiteNames() {
        XCTAssertEqual(SiteSimulation.siteName(0), "site-A")
        XCTAssertEqual(SiteSimulation.siteName(25), "site-Z")
        let seeds = Set((0..<3).flatMap { s in LesionClass.allCases.flatMap { c in (1...20).map {
            SiteSimulation.imageSeed(seed: 4, site: s, label: c, index: $0) } } })
        XCTAssertEqual(seeds.count, 180)
    }
}
