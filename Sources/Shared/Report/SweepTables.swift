/// A table of the summary with its text already written in one style
/// (`SweepTextStyle`): what summary.md, summary.tex and summary.html each lay out.
struct SweepTable {
    var title: String
    var columns: [String]
    /// How many columns, from the left, name the row (the others hold numbers).
    var labelColumns: Int
    var rows: [[String]]
}

extension SweepSummary {
    /// The main tables of one (train sites, test site): mean ± std per (shots, variant)
    /// and, with a reference, the paired differences from it.
    struct Section {
        var trainSites: [String]
        var testSite: String
        var heading: String
        var spread: SweepTable
        var differences: SweepTable?
    }

    /// The metrics of the cross-site matrices: the three headline AUROCs.
    static let crossSiteMetrics: [ReportMetric] = [.imageAUROC, .pixelAUROC, .classAUROC]

    /// "A + B": a set of train sites as the tables name it.
    static func name(_ trainSites: [String]) -> String { trainSites.joined(separator: " + ") }

    /// One per (train sites, test site), in table order.
    func sections(_ style: SweepTextStyle) -> [Section] {
        let columns = ["Shots", "Variant"] + ReportMetric.allCases.map(\.title)
        func table(_ title: String, _ lines: [Slot: [Row]], _ cell: (Row) -> String, train: [String], test: String) -> SweepTable {
            var rows: [[String]] = []
            for s in shots {
                for v in variants {
                    guard let line = lines[Slot(trainSites: train, testSite: test, shots: s, variant: v)] else { continue }
                    rows.append([String(s), style.escape(v)] + line.map(cell))
                }
            }
            return SweepTable(title: title, columns: columns, labelColumns: 2, rows: rows)
        }
        let differenceTitle = style.escape("Paired difference from \(reference ?? "") (same seed): mean [95% interval]")
        return trainSiteSets.flatMap { train in
            testSites.map { test in
                let differences = table(differenceTitle, differenceLines, style.interval, train: train, test: test)
                return Section(trainSites: train, testSite: test,
                               heading: style.escape("Trained on \(Self.name(train)), tested on \(test)"),
                               spread: table("Mean \(style.plusMinus) standard deviation over seeds", lines, style.spread, train: train, test: test),
                               differences: differences.rows.isEmpty ? nil : differences)
            }
        }
    }

    /// Per headline metric, shots and variant: the means with rows the train-site sets and
    /// columns the test sites, in bold where the test site is one of the train sites
    /// (in-domain); "—" where nothing was run. Only for more than one train-site set.
    func crossSiteTables(_ style: SweepTextStyle) -> [SweepTable] {
        guard trainSiteSets.count > 1 else { return [] }
        var out: [SweepTable] = []
        for m in Self.crossSiteMetrics {
            let k = ReportMetric.allCases.firstIndex(of: m)!
            for s in shots {
                for v in variants {
                    let rows = trainSiteSets.map { train in
                        [style.escape(Self.name(train))] + testSites.map { test -> String in
                            guard let row = lines[Slot(trainSites: train, testSite: test, shots: s, variant: v)]?[k] else { return "—" }
                            let text = ReportText.cell(row.mean ?? .nan)
                            return train.contains(test) ? style.bold(text) : text
                        }
                    }
                    guard rows.contains(where: { $0.dropFirst().contains { $0 != "—" } }) else { continue }
                    out.append(SweepTable(title: style.escape("\(m.title), shots \(s), variant \(v)"),
                                          columns: [style.escape("Trained on \\ tested on")] + testSites.map(style.escape),
                                          labelColumns: 1, rows: rows))
                }
            }
        }
        return out
    }

    /// The first paragraph of summary.md and summary.html: the cells, the variants and the reference.
    func overview(_ style: SweepTextStyle) -> String {
        "\(cellCount) cells, \(cellCount - failed.count) with metrics. "
            + "Variants: \(variants.map(style.escape).joined(separator: ", "))"
            + (reference.map { "; differences are from \(style.escape($0))." } ?? ".")
    }

    /// What the cross-site matrices' cells mean, before them in summary.md and summary.html.
    func crossSiteNote(_ style: SweepTextStyle) -> String {
        "Means; rows: the sites trained on, columns: the site tested on. \(style.bold("Bold")): in-domain "
            + "(the test site is one of the train sites). \"—\": not run; \"n/a\": no value."
    }

    /// What summary.md and summary.html say about how the numbers are made.
    var notes: [String] {
        var notes = [
            "Each value is over the seeds of one (train sites, test site, shots, variant): n counts the cells that "
                + "finished and whose value of that metric is finite. A metric undefined (NaN) on the test site in some "
                + "seeds is left out of that metric's n, so n can differ between the metrics of one line "
                + "(summary.csv and summary.json give n, the interval and the cells of every value).",
            "mean ± std: the mean and the sample standard deviation (n − 1 in the denominator), three decimals. "
                + "\"± n/a\": a single value (one seed), no spread; \"n/a\" alone: no value at all.",
            "95% interval: mean ± t(0.975, n − 1) · std / √n, Student's t with n − 1 degrees of freedom; none for n = 1.",
            "Failed cells, and cells that have not run, count in no value: they are listed under \"Failed cells\".",
        ]
        if let reference {
            notes.append("Paired differences: each variant's cell minus the \(reference) cell of the same train sites, shots "
                + "and seed, where both values are finite; mean, std and the 95% interval of those differences.")
        }
        return notes
    }

    /// "name (trained on A + B, shots 4, seed 2, variant v): why", one line for each cell
    /// without metrics.
    var failureLines: [String] {
        failed.map { c in
            let why = c.status.split(whereSeparator: \.isNewline).joined(separator: " ")
            return "\(c.name) (trained on \(Self.name(c.trainSites)), shots \(c.shots), seed \(c.seed), variant \(c.variant)): \(why)"
        }
    }
}
