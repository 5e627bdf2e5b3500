import Foundation
import Shared

/// Collects problems: throws the first one, or with `skipBad` keeps them all. Also keeps
/// what a layout's own rules changed or left out (BUS-UCLM's masks of another size), which
/// `data check` reports.
struct DatasetProblems {
    let skipBad: Bool
    var skipped: [DatasetError] = []
    var resizedMasks: [String] = []
    var labelConflicts: [[String]] = []
    /// Each kept image's size, read from its header by `verified`.
    var imageSizes: [String: (width: Int, height: Int)] = [:]

    mutating func report(_ error: DatasetError) throws(DatasetError) {
        guard skipBad else { throw error }
        skipped.append(error)
    }

    /// Checks an entry's files (headers, and with `decode` a full decode) and returns it,
    /// or reports the problem and returns nil. A mask of another size whose entry allows
    /// resizing is kept when the aspect ratios agree and skipped (always) when they do not.
    mutating func verified(_ entry: DatasetEntry, decode: Bool) throws(DatasetError) -> DatasetEntry? {
        do throws(DatasetError) {
            let size = try Self.imageSize(entry.imagePath)
            var resized = false
            for mask in entry.maskPaths {
                let m = try Self.imageSize(mask)
                guard m != size else { continue }
                let mismatch = DatasetError.sizeMismatch(mask: mask, maskWidth: m.width, maskHeight: m.height,
                                                      image: entry.imagePath, width: size.width, height: size.height)
                guard entry.resizesMismatchedMask else { throw mismatch }
                guard MaskFit.aspectsAgree(mask: m, image: size) else { skipped.append(mismatch); return nil }
                resized = true
            }
            if decode { _ = try entry.load() }
            if resized { resizedMasks.append(entry.relativePath) }
            imageSizes[entry.relativePath] = size
            return entry
        } catch {
            try report(error)
            return nil
        }
    }

    /// The dataset with the entries (sorted) and what was collected on the way.
    func dataset(site: String, root: String, format: ClusterConfig.SiteSettings.Format,
                 entries: [DatasetEntry]) throws(DatasetError) -> Dataset {
        guard !entries.isEmpty else { throw .empty(path: root) }
        return Dataset(name: site, root: root, format: format.rawValue, entries: Dataset.sorted(entries),
                       skipped: skipped, labelConflicts: labelConflicts, resizedMasks: resizedMasks,
                       imageSizes: imageSizes)
    }

    /// The size an image file declares, its failure as a dataset error.
    static func imageSize(_ path: String) throws(DatasetError) -> (width: Int, height: Int) {
        do { return try ImageFile.size(of: path) } catch { throw .unreadable(file: error.file, reason: error.reason) }
    }
}
