/// The text of summary.csv: summary.json's rows (plain rows, then the differences), one
/// line each under a header, in `CSV.format`'s quoting. Train sites joined with "+", the
/// cells with " ", the interval as two columns; an undefined value is an empty field.
enum SweepSummaryCSV {
    static let header = ["train_sites", "test_site", "shots", "variant", "metric", "mean", "std", "n",
                         "ci95_lo", "ci95_hi", "runs", "difference_from"]

    static func render(_ rows: [SweepSummary.Row]) -> String {
        func number(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        return CSV.format(header) + rows.map { r in
            CSV.format([r.trainSites.joined(separator: "+"), r.testSite, String(r.shots), r.variant, r.metric.rawValue,
                        number(r.mean), number(r.std), String(r.n), number(r.ci95?.lowerBound), number(r.ci95?.upperBound),
                        r.runs.joined(separator: " "), r.differenceFrom ?? ""])
        }.joined()
    }
}
