/// The text of summary.html: what summary.md holds, with the plots inline, in one
/// self-contained page in report.html's style (`HTMLPage`).
struct SweepSummaryHTML {
    let summary: SweepSummary
    let plots: SweepPlots

    func render() -> String {
        let style = SweepTextStyle.html
        var s = HTMLPage.start(title: summary.title)
        s += "<p>" + summary.overview(style) + "</p>\n"
        for section in summary.sections(style) {
            s += "<h2>\(section.heading)</h2>\n" + Self.table(section.spread)
            if let d = section.differences { s += Self.table(d) }
            let charts = plots.plots(trainSites: section.trainSites, testSite: section.testSite)
            s += "<div class=\"charts\">\n" + charts.map(\.chart.svg).joined() + "</div>\n"
        }
        let crossSite = summary.crossSiteTables(style)
        if !crossSite.isEmpty {
            s += "<h2>Cross-site</h2>\n<p>" + summary.crossSiteNote(style) + "</p>\n"
            s += crossSite.map(Self.table).joined()
        }
        s += "<h2>Failed cells</h2>\n"
        s += summary.failed.isEmpty ? "<p>None: every cell has metrics.</p>\n"
            : "<ul class=\"failed\">" + summary.failureLines.map { "<li>\(HTMLPage.esc($0))</li>" }.joined() + "</ul>\n"
        s += "<h2>Notes</h2>\n<ul class=\"notes\">" + summary.notes.map { "<li>\(HTMLPage.esc($0))</li>" }.joined() + "</ul>\n"
        return s + HTMLPage.end
    }

    static func table(_ t: SweepTable) -> String {
        var s = "<h3>\(t.title)</h3>\n<table><tr>" + t.columns.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for row in t.rows {
            s += "<tr>" + row.enumerated().map { $0.offset < t.labelColumns ? "<td>\($0.element)</td>" : "<td class=\"n\">\($0.element)</td>" }.joined() + "</tr>\n"
        }
        return s + "</table>\n"
    }
}
