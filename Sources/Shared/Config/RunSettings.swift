import Foundation

extension ClusterConfig {
    /// `run:` what the run is called, where it writes, and its seed.
    public struct RunSettings: Equatable, Sendable, Codable {
        public static let defaultName = "ultraad-run"

        /// Used in the run folder's default name and in logs.
        public var name: String
        /// Run folder: config copy, shots.csv, metrics.jsonl, checkpoints, report.
        public var folder: URL
        /// Seed of every random choice of the run (shots, initial parameters, episodes).
        public var seed: UInt64

        public static let defaultSeed: UInt64 = 0

        public init(name: String = defaultName, folder: URL, seed: UInt64 = defaultSeed) {
            self.name = name; self.folder = folder; self.seed = seed
        }

        /// The defaults, with the folder `runs/NAME` under `baseDirectory`.
        public init(baseDirectory: URL, name: String = defaultName) {
            self.init(name: name, folder: ClusterConfig.resolvePath("runs/\(name)", against: baseDirectory))
        }
    }
}

extension ClusterConfig {
    /// `path` as an absolute, standardized file URL; a relative path is taken relative to
    /// `base` (the config file's folder). The URL never depends on what exists on disk.
    public static func resolvePath(_ path: String, against base: URL) -> URL {
        URL(filePath: path, directoryHint: .notDirectory,
            relativeTo: URL(filePath: base.path, directoryHint: .isDirectory)).standardizedFileURL
    }
}
