import Foundation

/// metrics.json of a run folder: the metrics of every test site (docs/FORMATS.md,
/// "Evaluation metrics"). Undefined metrics are `null`.
public struct MetricsFile: Codable, Equatable, Sendable {
    public static let formatName = "ultraad-metrics"
    public static let currentVersion = 1

    public var format = MetricsFile.formatName
    public var version = MetricsFile.currentVersion
    public var title: String
    /// Class names by index (the order of `SiteMetrics.classCounts`).
    public var classes: [String]
    /// Site names in report order.
    public var sites: [String]
    /// By site name.
    public var metrics: [String: SiteMetrics]

    public init(title: String, classes: [String], sites: [String], metrics: [String: SiteMetrics]) {
        self.title = title
        self.classes = classes
        self.sites = sites
        self.metrics = metrics
    }

    public static func read(_ url: URL) throws(ReportError) -> MetricsFile {
        try ReportFiles.readJSON(MetricsFile.self, from: url, format: formatName, versions: 1...currentVersion)
    }
}
