/// The summary of a sweep: for every (train sites, test site, shots, variant) that has
/// cells and every metric, the statistics over the seeds (`SampleStatistics`); for every
/// variant other than the reference, the seed-paired differences from it; and the cells
/// that have no metrics, which are listed, never averaged. `write(to:)` writes it as
/// summary.md, .csv, .json, .tex, .html and plots (docs/FORMATS.md, "Sweep summaries").
public struct SweepSummary: Sendable {
    public let title: String
    /// Table order: variants as given, test sites as given, train-site sets in order of
    /// first appearance among the cells, shots ascending.
    public let variants: [String]
    public let testSites: [String]
    public let trainSiteSets: [[String]]
    public let shots: [Int]
    /// The variant the others are compared with (the full method); nil for none.
    public let reference: String?
    /// One per (train sites, test site, shots, variant, metric), in table order (train
    /// sites, test site, shots, variant, then metric in `ReportMetric` order).
    public let rows: [Row]
    /// The paired differences from `reference`, in the same order.
    public let differences: [Row]
    /// The cells without metrics (failed or not run), in the order given.
    public let failed: [SweepCellOutcome]
    /// How many cells the sweep has, with metrics or not.
    public let cellCount: Int

    /// One line of a table: (train sites, test site, shots, variant).
    struct Slot: Hashable {
        var trainSites: [String]
        var testSite: String
        var shots: Int
        var variant: String
    }

    /// The cells of one (train sites, shots, variant): its seeds.
    struct Group: Hashable {
        var trainSites: [String]
        var shots: Int
        var variant: String
    }

    /// The rows of each slot, one per metric in `ReportMetric` order.
    let lines: [Slot: [Row]]
    let differenceLines: [Slot: [Row]]

    /// Throws `.invalidArgument` when the cells do not describe one sweep: a cell's variant
    /// or test site not among those named, two cells of one name, or of one (train sites,
    /// shots, variant, seed).
    public init(title: String, cells: [SweepCellOutcome], variants: [String], reference: String?,
                testSites: [String]) throws(ReportError) {
        try Self.check(cells: cells, variants: variants, reference: reference, testSites: testSites)
        self.title = title; self.variants = variants; self.reference = reference; self.testSites = testSites
        var trainSiteSets: [[String]] = []
        for c in cells where !trainSiteSets.contains(c.trainSites) { trainSiteSets.append(c.trainSites) }
        self.trainSiteSets = trainSiteSets
        shots = Set(cells.map(\.shots)).sorted()
        failed = cells.filter { $0.metrics == nil }
        cellCount = cells.count

        let groups = Dictionary(grouping: cells) { Group(trainSites: $0.trainSites, shots: $0.shots, variant: $0.variant) }
            .mapValues { $0.sorted { $0.seed < $1.seed } }
        var rows: [Row] = [], differences: [Row] = []
        var lines: [Slot: [Row]] = [:], differenceLines: [Slot: [Row]] = [:]
        for train in trainSiteSets {
            for test in testSites {
                for s in shots {
                    for v in variants {
                        guard let group = groups[Group(trainSites: train, shots: s, variant: v)] else { continue }
                        let slot = Slot(trainSites: train, testSite: test, shots: s, variant: v)
                        let line = ReportMetric.allCases.map { m in
                            let kept = group.compactMap { c in Self.value(c, test, m).map { (c.name, $0) } }
                            return Row(slot, m, SampleStatistics(kept.map(\.1)), runs: kept.map(\.0))
                        }
                        rows += line
                        lines[slot] = line
                    }
                    guard let reference, let base = groups[Group(trainSites: train, shots: s, variant: reference)] else { continue }
                    let baseBySeed = Dictionary(uniqueKeysWithValues: base.map { ($0.seed, $0) })
                    for v in variants where v != reference {
                        guard let group = groups[Group(trainSites: train, shots: s, variant: v)] else { continue }
                        let slot = Slot(trainSites: train, testSite: test, shots: s, variant: v)
                        let line = ReportMetric.allCases.map { m in
                            let pairs = group.compactMap { c -> (runs: [String], difference: Double)? in
                                guard let b = baseBySeed[c.seed], let x = Self.value(c, test, m), let y = Self.value(b, test, m) else { return nil }
                                return ([c.name, b.name], x - y)
                            }
                            return Row(slot, m, SampleStatistics(pairs.map(\.difference)), runs: pairs.flatMap(\.runs),
                                       differenceFrom: reference)
                        }
                        differences += line
                        differenceLines[slot] = line
                    }
                }
            }
        }
        self.rows = rows; self.differences = differences
        self.lines = lines; self.differenceLines = differenceLines
    }

    /// A cell's value of `metric` on `site` when it counts: the cell finished, tested the
    /// site, and the metric is defined there.
    static func value(_ cell: SweepCellOutcome, _ site: String, _ metric: ReportMetric) -> Double? {
        guard let m = cell.metrics?[site] else { return nil }
        let v = metric.value(in: m)
        return v.isFinite ? v : nil
    }

    static func check(cells: [SweepCellOutcome], variants: [String], reference: String?, testSites: [String]) throws(ReportError) {
        func fail(_ reason: String) -> ReportError { .invalidArgument("sweep summary: " + reason) }
        guard !variants.isEmpty else { throw fail("no variants") }
        guard Set(variants).count == variants.count else { throw fail("variants \(variants) name one twice") }
        guard !testSites.isEmpty else { throw fail("no test sites") }
        guard Set(testSites).count == testSites.count else { throw fail("test sites \(testSites) name one twice") }
        if let reference, !variants.contains(reference) { throw fail("reference \(reference) is not among the variants \(variants)") }
        var names = Set<String>(), seeds: [Group: Set<UInt64>] = [:]
        for c in cells {
            guard !c.name.isEmpty else { throw fail("a cell has an empty name") }
            guard names.insert(c.name).inserted else { throw fail("cell \(c.name) appears twice") }
            guard !c.trainSites.isEmpty else { throw fail("cell \(c.name) has no train sites") }
            guard variants.contains(c.variant) else { throw fail("cell \(c.name): variant \(c.variant) is not among \(variants)") }
            guard seeds[Group(trainSites: c.trainSites, shots: c.shots, variant: c.variant), default: []].insert(c.seed).inserted else {
                throw fail("cell \(c.name) has the train sites, shots, variant and seed of another cell")
            }
            for site in (c.metrics ?? [:]).keys.sorted() where !testSites.contains(site) {
                throw fail("cell \(c.name) has metrics of site \(site), which is not among the test sites \(testSites)")
            }
        }
    }
}
