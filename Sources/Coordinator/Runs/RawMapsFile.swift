import Foundation
import Shared

/// DIR/maps.safetensors (`predict --raw-maps`): each image's anomaly map as float32 [H, W]
/// at the image's own size, named by the image's path, NaN where CLIP's crop did not look.
/// A continued predict carries the earlier maps over; the file is written whole at the end
/// (checksummed, atomically), so the maps of one run are held in memory until then.
struct RawMapsFile {
    let url: URL
    private(set) var maps: [String: Tensor] = [:]

    /// Reads the maps already there, if any.
    init(url: URL) throws {
        self.url = url
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let r: SafeTensorsReader
        do { r = try SafeTensorsReader(contentsOf: url) } catch {
            throw CoordinatorError.run("\(error) (remove it, or predict into another --out)")
        }
        for name in r.names {
            do { maps[name] = try r.tensor(name) } catch { throw CoordinatorError.run("\(error)") }
        }
    }

    func has(_ path: String) -> Bool { maps[path] != nil }

    mutating func add(_ path: String, map: [Float], width: Int, height: Int) {
        maps[path] = Tensor(shape: [height, width], data: map)
    }

    func write() throws {
        var w = SafeTensorsWriter(metadata: ["format": "ultraad-maps", "version": "1"])
        w.checksummed = true
        for (name, map) in maps.sorted(by: { $0.key < $1.key }) { try w.add(name, map) }
        try w.write(to: url, durable: false)
    }
}
