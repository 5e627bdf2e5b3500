import Foundation

/// Writes simulated sites in BUSI layout: DIR/site-A/benign/benign (1).png with
/// benign (1)_mask.png, ..., one folder per site with its own device, and DIR/sites.yaml
/// describing them (written last, so its presence marks a complete output).
public enum SiteSimulation {
    public static let maxSites = 26

    /// `site-A`, `site-B`, ... for index 0, 1, ...
    public static func siteName(_ index: Int) -> String {
        precondition(index >= 0 && index < maxSites, "site index \(index) out of range")
        return "site-" + String(UnicodeScalar(UInt8(65 + index)))
    }

    /// The seed of one image: a hash of the run seed, site, class and index, so each image
    /// is the same however many others are written.
    public static func imageSeed(seed: UInt64, site: Int, label: LesionClass, index: Int) -> UInt64 {
        var h = seed
        for v in [UInt64(site), UInt64(label.rawValue), UInt64(index)] {
            var g = SplitMix64(seed: h ^ (v &* 0x9E37_79B9_7F4A_7C15))
            h = g.next()
        }
        return h
    }

    /// Simulates `sites` sites of `perClass` images per class, `size` pixels a side.
    /// Existing output (sites.yaml or a site folder) is replaced only with `overwrite`,
    /// and only when DIR holds a sites.yaml (a previous simulation).
    @discardableResult
    public static func write(to dir: String, sites: Int, perClass: Int, seed: UInt64, size: Int,
                             overwrite: Bool = false,
                             progress: (String) -> Void = { _ in }) throws(SimulatorError) -> SitesFile {
        precondition(sites >= 1 && sites <= maxSites && perClass >= 1 && size >= 8, "invalid simulation sizes")
        let fm = FileManager.default
        let yamlPath = joinPath(dir, "sites.yaml")
        let names = (0..<sites).map(siteName)
        let existing = ([yamlPath] + names.map { joinPath(dir, $0) }).filter { fm.fileExists(atPath: $0) }
        if let first = existing.first {
            guard overwrite else {
                throw .outputExists(path: first, hint: "pass --overwrite to replace a previous simulation, or choose another --out")
            }
            guard fm.fileExists(atPath: yamlPath) else {
                throw .outputExists(path: first, hint: "\(dir) has no sites.yaml, so it is not a previous simulation and is left alone")
            }
            for path in existing {
                do { try fm.removeItem(atPath: path) } catch { throw .cannotWrite(file: path, reason: DatasetEntry.reason(error)) }
            }
        }
        let devices = DeviceSettings.draw(count: sites, seed: seed)
        var described: [SitesFile.Site] = []
        for (s, name) in names.enumerated() {
            let simulator = BModeSimulator(device: devices[s])
            let start = Date()
            var renderSeconds = 0.0
            for label in LesionClass.allCases {
                let folder = joinPath(dir, "\(name)/\(label.name)")
                do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw .cannotWrite(file: folder, reason: DatasetEntry.reason(error))
                }
                for k in 1...perClass {
                    let t0 = Date()
                    let image = simulator.render(kind: label, size: size,
                                                 seed: imageSeed(seed: seed, site: s, label: label, index: k))
                    renderSeconds += Date().timeIntervalSince(t0)
                    let stem = joinPath(folder, "\(label.name) (\(k))")
                    do {
                        try PNGImage.writeGray8(stem + ".png", width: size, height: size, values: image.image)
                        try PNGImage.writeGray8(stem + "_mask.png", width: size, height: size, values: image.mask)
                    } catch {
                        throw .cannotWrite(file: stem + ".png", reason: "\(error)")
                    }
                }
            }
            let seconds = Date().timeIntervalSince(start)
            progress(String(format: "%@: %d images (%d per class) in %.1f s, %.0f ms per image to render",
                            name, 3 * perClass, perClass, seconds, 1000 * renderSeconds / Double(3 * perClass)))
            described.append(SitesFile.Site(
                name: name, path: name,
                images: .init(normal: perClass, benign: perClass, malignant: perClass),
                device: devices[s]))
        }
        let file = SitesFile(format: SitesFile.format, version: SitesFile.version, generator: "ultraad simulate",
                             seed: seed, size: size, perClass: perClass, sites: described)
        try file.write(to: yamlPath)
        return file
    }
}
