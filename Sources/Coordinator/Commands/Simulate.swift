import ArgumentParser
import Foundation
import Shared

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write synthetic B-mode breast-ultrasound sites in BUSI layout.",
        discussion: """
        Each site is a simulated scanner with its own device settings: frequency and speckle grain, native resolution, depth, width, focus, gain, dynamic range, time-gain compensation, noise and speckle reduction. Images from two sites differ the way images from two devices do: a controlled domain shift for cross-site experiments. Print them with `cat DIR/sites.yaml`.

        Images show skin, subcutaneous fat with Cooper's ligaments, fibroglandular tissue and pectoral muscle under speckle. Benign lesions are oval, circumscribed, hypoechoic and wider than tall, with posterior enhancement; malignant lesions are irregular and spiculated, often taller than wide, with posterior shadowing; normal images have none. Every image has its mask, as in BUSI:

          DIR/site-A/benign/benign (1).png  and  benign (1)_mask.png
          DIR/site-A/normal/normal (1).png  and  an all-black normal (1)_mask.png
          DIR/sites.yaml                    sites, folders, device settings

        The same --seed writes the same bytes. Each site folder is a dataset in BUSI layout, loaded like the real one (e.g. DIR/site-A).

        Example: ultraad simulate --out data/sim --sites 2 --per-class 20 --seed 7
        """)

    @Option(help: ArgumentHelp("Output folder (created if missing).", valueName: "dir"))
    var out: String
    @Option(help: "Number of sites (devices), 1 to \(SiteSimulation.maxSites): site-A, site-B, ...")
    var sites: Int = 2
    @Option(name: .customLong("per-class"), help: "Images per class (normal, benign, malignant) per site.")
    var perClass: Int = 10
    @Option(help: "Seed: the same seed writes the same images and devices.")
    var seed: UInt64 = 0
    @Option(help: "Image size in pixels (square), 32 to 2048.")
    var size: Int = 256
    @Flag(help: "Replace a previous simulation in --out (its sites.yaml and site folders).")
    var overwrite = false

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
        guard (1...SiteSimulation.maxSites).contains(sites) else {
            throw ValidationError("--sites must be between 1 and \(SiteSimulation.maxSites) (got \(sites))")
        }
        guard (1...100_000).contains(perClass) else {
            throw ValidationError("--per-class must be between 1 and 100000 (got \(perClass))")
        }
        guard (32...2048).contains(size) else {
            throw ValidationError("--size must be between 32 and 2048 pixels (got \(size))")
        }
    }

    func run() throws {
        let start = Date()
        let file = try SiteSimulation.write(to: out, sites: sites, perClass: perClass, seed: seed, size: size,
                                            overwrite: overwrite) { print($0) }
        let total = 3 * sites * perClass
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "wrote %d images of %dx%d in %.1f s (%.0f ms each) and %@", total, size, size, seconds,
                     1000 * seconds / Double(total), (out as NSString).appendingPathComponent("sites.yaml")))
        for s in file.sites {
            let d = s.device
            print(String(format: "  %@: %.1f MHz, depth %.0f mm, width %.0f mm, resolution %.2f, gain %+.1f dB, range %.0f dB, noise %.0f dB",
                         s.name, d.frequencyMHz, d.depthMM, d.widthMM, d.resolution, d.gainDB, d.dynamicRangeDB, d.noiseDB))
        }
    }
}
