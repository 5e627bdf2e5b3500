import Foundation

/// crosssite.json: the domain-shift matrix, the metrics of a model trained on one site
/// (first key) and tested on another (second key) (docs/FORMATS.md, "Evaluation
/// metrics"). Undefined metrics are `null`; untested pairs are absent.
public struct CrossSiteFile: Codable, Equatable, Sendable {
    public static let formatName = "ultraad-crosssite"
    public static let currentVersion = 1

    public var format = CrossSiteFile.formatName
    public var version = CrossSiteFile.currentVersion
    /// Site names: the rows and the columns, in this order.
    public var sites: [String]
    /// matrix[trainedOn][testedOn]
    public var matrix: [String: [String: SiteMetrics]]

    public init(sites: [String], matrix: [String: [String: SiteMetrics]]) {
        self.sites = sites
        self.matrix = matrix
    }

    public static func read(_ url: URL) throws(ReportError) -> CrossSiteFile {
        try ReportFiles.readJSON(CrossSiteFile.self, from: url, format: formatName, versions: 1...currentVersion)
    }
}
