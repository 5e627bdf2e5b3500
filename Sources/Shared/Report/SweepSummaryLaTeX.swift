/// The text of summary.tex: summary.md's main tables (per train sites and test site, the
/// means $\pm$ std and the paired differences) as `tabular` environments to \input or
/// paste into a paper; each table's first row says what it holds. Plain LaTeX: no package.
struct SweepSummaryLaTeX {
    let summary: SweepSummary

    func render() -> String {
        let firstLine = summary.title.split(whereSeparator: \.isNewline).joined(separator: " ")
        var s = "% \(firstLine): sweep summary tables (summary.md has the notes on n, std and the intervals).\n\n"
        for section in summary.sections(.latex) {
            s += Self.tabular(section.spread, heading: section.heading)
            if let d = section.differences { s += Self.tabular(d, heading: section.heading) }
        }
        return s
    }

    static func tabular(_ t: SweepTable, heading: String) -> String {
        let spec = t.columns.indices.map { $0 < t.labelColumns ? "l" : "r" }.joined()
        var s = "\\begin{tabular}{\(spec)}\n\\hline\n"
        s += "\\multicolumn{\(t.columns.count)}{l}{\(heading): \(t.title)} \\\\\n\\hline\n"
        s += t.columns.joined(separator: " & ") + " \\\\\n\\hline\n"
        for row in t.rows { s += row.joined(separator: " & ") + " \\\\\n" }
        return s + "\\hline\n\\end{tabular}\n\n"
    }
}
