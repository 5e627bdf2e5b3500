import Foundation

extension ClusterConfig {
    /// One entry of `sites:`: a dataset from one device or hospital.
    public struct SiteSettings: Equatable, Sendable, Codable {
        /// How the dataset is laid out. cluster.yaml also accepts `auto`: a path ending in
        /// `.csv` is a manifest, anything else a BUSI folder.
        public enum Format: String, Equatable, Sendable, Codable, CaseIterable {
            /// BUSI's folders: `benign/benign (N).png` with `benign (N)_mask.png`.
            case busi
            /// A CSV manifest `image,mask,label,site`, paths relative to the manifest.
            case csv

            /// The format `auto` stands for at `path`.
            public static func detect(_ path: URL) -> Format {
                path.pathExtension.lowercased() == "csv" ? .csv : .busi
            }
        }

        /// Unique among the sites; used by `train_sites`, `test_sites` and reports.
        public var name: String
        /// BUSI folder or `.csv` manifest.
        public var path: URL
        public var format: Format

        /// `format` nil means `auto`.
        public init(name: String, path: URL, format: Format? = nil) {
            self.name = name; self.path = path; self.format = format ?? Format.detect(path)
        }
    }
}
