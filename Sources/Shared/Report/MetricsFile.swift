import Foundation

/// metrics.json of a run folder: the metrics of every test site (docs/FORMATS.md,
/// "Evaluation metrics"). Undefined metrics are `null`.
public struct MetricsFile: Codable, Equatable, Sendable {
    public static let formatName = "ultraad-metrics"
    /// Version 2 added `configDigest` and `step`.
    public static let currentVersion = 2

    public var format = MetricsFile.formatName
    public var version = MetricsFile.currentVersion
    public var title: String
    /// Class names by index (the order of `SiteMetrics.classCounts`).
    public var classes: [String]
    /// Site names in report order.
    public var sites: [String]
    /// By site name.
    public var metrics: [String: SiteMetrics]
    /// The digest of the settings that change the result (`ClusterConfig.digest`) and the
    /// training step evaluated (0: no training), so that a sweep can tell a finished cell
    /// from one of other settings; nil in version 1 files and reports not made by a run.
    public var configDigest: String?
    public var step: Int?

    public init(title: String, classes: [String], sites: [String], metrics: [String: SiteMetrics],
                configDigest: String? = nil, step: Int? = nil) {
        self.title = title
        self.classes = classes
        self.sites = sites
        self.metrics = metrics
        self.configDigest = configDigest
        self.step = step
    }

    public static func read(_ url: URL) throws(ReportError) -> MetricsFile {
        try ReportFiles.readJSON(MetricsFile.self, from: url, format: formatName, versions: 1...currentVersion)
    }
}
