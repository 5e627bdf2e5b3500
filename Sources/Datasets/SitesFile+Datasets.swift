import Foundation
import Shared

extension SitesFile {
    /// Loads every simulated site's dataset (BUSI layout); `path` is the sites.yaml the
    /// paths are relative to.
    public func datasets(relativeTo path: String, options: Dataset.Options = Dataset.Options()) throws(DatasetError) -> [Dataset] {
        let folder = (path as NSString).deletingLastPathComponent
        var out: [Dataset] = []
        for s in sites {
            out.append(try Dataset.load(site: s.name, from: joinPath(folder.isEmpty ? "." : folder, s.path), format: .busi, options: options))
        }
        return out
    }
}
