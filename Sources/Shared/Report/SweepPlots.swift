/// The charts of a sweep summary: per (train sites, test site) and metric, the mean against
/// shots, one line per variant, with the 95% interval as error bars (none where it is
/// undefined: n < 2). Each is plots/TRAIN-TEST-METRIC.svg and inline in summary.html;
/// TRAIN and TEST are the names made safe for files (train sites joined with "+"), distinct
/// for distinct (train sites, test site).
struct SweepPlots {
    struct Plot {
        /// Relative to the summary's folder.
        var path: String
        var chart: LineChart
    }

    private let summary: SweepSummary
    /// By train sites, then test site.
    private let fileNames: [[String]: [String: String]]

    init(_ summary: SweepSummary) {
        self.summary = summary
        let pairs = summary.trainSiteSets.flatMap { train in summary.testSites.map { (train, $0) } }
        let names = ReportText.uniqueSafeNames(pairs.map { "\($0.0.joined(separator: "+"))-\($0.1)" })
        var fileNames: [[String]: [String: String]] = [:]
        for ((train, test), name) in zip(pairs, names) { fileNames[train, default: [:]][test] = name }
        self.fileNames = fileNames
    }

    /// The eight charts of one (train sites, test site), in `ReportMetric` order.
    func plots(trainSites train: [String], testSite test: String) -> [Plot] {
        let base = fileNames[train]?[test] ?? "x"
        return ReportMetric.allCases.enumerated().map { k, m in
            let series = summary.variants.compactMap { v -> LineChart.Series? in
                let rows = summary.shots.compactMap { s in
                    summary.lines[SweepSummary.Slot(trainSites: train, testSite: test, shots: s, variant: v)]?[k]
                }
                guard !rows.isEmpty else { return nil }
                return LineChart.Series(name: v, points: rows.map { (Double($0.shots), $0.mean ?? .nan) }, intervals: rows.map(\.ci95))
            }
            let chart = LineChart(title: "\(m.title), trained on \(SweepSummary.name(train)), tested on \(test)", xLabel: "shots",
                                  series: series, xTicks: summary.shots.map(Double.init))
            return Plot(path: "plots/\(base)-\(m.rawValue).svg", chart: chart)
        }
    }
}
