/// The undefined values of a metrics table and their numbered reasons, for report.md and
/// report.html alike: per site, one footnote per reason, naming every metric that reason
/// leaves undefined there, numbered from 1 in table order.
struct MetricFootnotes {
    struct Note { var site: String; var metrics: [String]; var reason: String }

    private(set) var notes: [Note] = []
    /// Footnote number by site index and metric.
    private var numbers: [Int: [ReportMetric: Int]] = [:]

    init(sites: [SiteEvaluation], classNames: [String]) {
        for (si, site) in sites.enumerated() {
            var byReason: [String: Int] = [:]
            for m in ReportMetric.allCases {
                guard let r = m.undefinedReason(in: site.metrics, classNames: classNames) else { continue }
                if let k = byReason[r] {
                    notes[k - 1].metrics.append(m.title)
                    numbers[si, default: [:]][m] = k
                } else {
                    notes.append(Note(site: site.name, metrics: [m.title], reason: r))
                    byReason[r] = notes.count
                    numbers[si, default: [:]][m] = notes.count
                }
            }
        }
    }

    /// The footnote of site `site`'s `metric`, nil where the value is defined.
    func number(site: Int, _ metric: ReportMetric) -> Int? { numbers[site]?[metric] }
}
