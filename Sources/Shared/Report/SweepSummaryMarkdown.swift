/// The text of summary.md: per (train sites, test site) the means ± std and the paired
/// differences with links to the plots, the cross-site matrices (more than one train-site
/// set), the cells without metrics, and how the numbers are made.
struct SweepSummaryMarkdown {
    let summary: SweepSummary
    let plots: SweepPlots

    func render() -> String {
        let style = SweepTextStyle.markdown
        var s = "# \(summary.title)\n\n"
        s += summary.overview(style) + "\n\n"
        for section in summary.sections(style) {
            s += "## \(section.heading)\n\n" + Self.table(section.spread)
            if let d = section.differences { s += Self.table(d) }
            let links = plots.plots(trainSites: section.trainSites, testSite: section.testSite).enumerated().map { k, p in
                "[\(ReportMetric.allCases[k].title)](\(p.path))"
            }
            s += "Plots against shots: " + links.joined(separator: ", ") + ".\n\n"
        }
        let crossSite = summary.crossSiteTables(style)
        if !crossSite.isEmpty {
            s += "## Cross-site\n\n" + summary.crossSiteNote(style) + "\n\n"
            for t in crossSite { s += Self.table(t) }
        }
        s += "## Failed cells\n\n"
        s += summary.failed.isEmpty ? "None: every cell has metrics.\n\n" : summary.failureLines.map { "- \($0)\n" }.joined() + "\n"
        s += "## Notes\n\n" + summary.notes.map { "- \($0)\n" }.joined()
        return s
    }

    /// The title in bold, then the table: label columns left-aligned, numbers right.
    static func table(_ t: SweepTable) -> String {
        var s = "**\(t.title)**\n\n| " + t.columns.joined(separator: " | ") + " |\n"
        s += "|" + t.columns.indices.map { $0 < t.labelColumns ? ":--|" : "--:|" }.joined() + "\n"
        for row in t.rows { s += "| " + row.joined(separator: " | ") + " |\n" }
        return s + "\n"
    }
}
