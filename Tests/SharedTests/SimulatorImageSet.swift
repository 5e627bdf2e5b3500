import Foundation
@testable import Shared

/// Distinct simulated B-mode images for the duplicate-detection tests: 8 sites (devices
/// from `DeviceSettings.draw`), 25 normal, 25 benign and 25 malignant images each, 128 px.
/// All are synthetic scans of the same anatomy model, so they are more alike than the
/// images of a real dataset: a hard set for false positives. Rendered once per test run.
enum SimulatorImageSet {
    static let sites = 8, perClass = 25, size = 128

    /// images: [sites * 3 * perClass] of [3, size, size] (gray in every channel), site-major,
    /// then class, then index; names like "site-C/benign 7".
    static let images: [(name: String, image: Tensor)] = {
        let devices = DeviceSettings.draw(count: sites, seed: 77)
        return (0..<sites).flatMap { s in
            let simulator = BModeSimulator(device: devices[s])
            return LesionClass.allCases.flatMap { label in
                (1...perClass).map { k in
                    let gray = simulator.render(kind: label, size: size,
                                                seed: SiteSimulation.imageSeed(seed: 77, site: s, label: label, index: k)).image
                    return ("\(SiteSimulation.siteName(s))/\(label.name) \(k)",
                            Tensor(shape: [3, size, size], data: gray + gray + gray))
                }
            }
        }
    }()
}
