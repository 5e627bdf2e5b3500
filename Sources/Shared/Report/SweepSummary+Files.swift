import Foundation

extension SweepSummary {
    /// Writes the summary into `folder` (made if missing):
    ///
    ///     FOLDER/summary.md      the tables, cross-site matrices, failed cells, notes
    ///     FOLDER/summary.html    the same with the plots, one self-contained page
    ///     FOLDER/summary.tex     the main tables as LaTeX tabulars
    ///     FOLDER/summary.json    `rows` then `differences` (`Row`'s keys)
    ///     FOLDER/summary.csv     the same rows, one line each
    ///     FOLDER/plots/TRAIN-TEST-METRIC.svg   each metric against shots (`SweepPlots`)
    ///
    /// summary.md is written last. returns: the files written, plots first.
    @discardableResult
    public func write(to folder: URL) throws(ReportError) -> [URL] {
        let plotFolder = folder.appendingPathComponent("plots")
        try ReportFiles.makeFolder(plotFolder)
        let plots = SweepPlots(self)
        var written: [URL] = []
        func put(_ text: String, _ path: String) throws(ReportError) {
            let url = folder.appendingPathComponent(path)
            try ReportFiles.write(text, to: url)
            written.append(url)
        }
        for train in trainSiteSets {
            for p in testSites.flatMap({ plots.plots(trainSites: train, testSite: $0) }) {
                try put("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + p.chart.svg, p.path)
            }
        }
        let json = folder.appendingPathComponent("summary.json")
        try ReportFiles.writeJSON(rows + differences, to: json)
        written.append(json)
        try put(SweepSummaryCSV.render(rows + differences), "summary.csv")
        try put(SweepSummaryLaTeX(summary: self).render(), "summary.tex")
        try put(SweepSummaryHTML(summary: self, plots: plots).render(), "summary.html")
        try put(SweepSummaryMarkdown(summary: self, plots: plots).render(), "summary.md")
        return written
    }
}
