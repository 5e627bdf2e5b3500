/// The text of crosssite.md: one domain-shift table per metric, rows the site trained on,
/// columns the site tested on, the in-domain diagonal in bold.
struct CrossSiteMarkdown {
    let sites: [String]
    /// matrix[trainedOn][testedOn]
    let matrix: [String: [String: SiteMetrics]]

    func render() -> String {
        var s = """
        # Cross-site evaluation

        Rows: the site the model was trained on; columns: the site it was tested on. \
        **Bold**: the diagonal, trained and tested on the same site (in-domain); the other \
        cells measure the domain shift between sites. "—": not evaluated; "n/a": undefined \
        on that test site (a class absent; its report says which).


        """
        for m in ReportMetric.allCases { s += table(m) }
        return s
    }

    func table(_ metric: ReportMetric) -> String {
        let names = sites.map(ReportText.markdown)
        var s = "## \(metric.title)\n\n| Trained on \\ tested on | " + names.joined(separator: " | ") + " |\n"
        s += "|:--|" + String(repeating: "--:|", count: sites.count) + "\n"
        var inDomain: [Double] = [], crossSite: [Double] = []
        for (i, train) in sites.enumerated() {
            var cells = [names[i]]
            for test in sites {
                guard let m = matrix[train]?[test] else { cells.append("—"); continue }
                let v = metric.value(in: m)
                if v.isFinite { if train == test { inDomain.append(v) } else { crossSite.append(v) } }
                cells.append(train == test ? "**\(ReportText.cell(v))**" : ReportText.cell(v))
            }
            s += "| " + cells.joined(separator: " | ") + " |\n"
        }
        func mean(_ v: [Double]) -> String { ReportText.cell(v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)) }
        s += "\nMean in-domain \(mean(inDomain)), mean cross-site \(mean(crossSite)).\n\n"
        return s
    }
}
