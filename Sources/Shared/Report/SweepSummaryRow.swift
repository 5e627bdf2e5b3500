extension SweepSummary {
    /// One metric over the seeds of one (train sites, test site, shots, variant): the
    /// statistics of its values, or, with `differenceFrom`, of its seed-paired differences
    /// from that variant (this variant minus that one). One object of summary.json.
    public struct Row: Codable, Equatable, Sendable {
        public var trainSites: [String]
        public var testSite: String
        public var shots: Int
        public var variant: String
        public var metric: ReportMetric
        /// How many values count: finished cells (for a difference: seed pairs) whose
        /// value is finite.
        public var n: Int
        /// nil when n = 0.
        public var mean: Double?
        /// The sample standard deviation and the 95% t interval of the mean; nil when n < 2.
        public var std: Double?
        public var ci95: ClosedRange<Double>?
        /// The cells whose values count, in seed order; for a difference, each pair as
        /// (this variant's cell, the other's).
        public var runs: [String]
        /// The variant the values are differences from; nil for a plain row.
        public var differenceFrom: String?

        init(_ slot: Slot, _ metric: ReportMetric, _ statistics: SampleStatistics, runs: [String], differenceFrom: String? = nil) {
            trainSites = slot.trainSites; testSite = slot.testSite; shots = slot.shots; variant = slot.variant
            self.metric = metric; n = statistics.n; mean = statistics.mean; std = statistics.std; ci95 = statistics.ci95
            self.runs = runs; self.differenceFrom = differenceFrom
        }

        enum CodingKeys: String, CodingKey {
            case trainSites = "train_sites", testSite = "test_site", shots, variant, metric, mean, std, n, ci95, runs
            case differenceFrom = "difference_from"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            trainSites = try c.decode([String].self, forKey: .trainSites)
            testSite = try c.decode(String.self, forKey: .testSite)
            shots = try c.decode(Int.self, forKey: .shots)
            variant = try c.decode(String.self, forKey: .variant)
            let name = try c.decode(String.self, forKey: .metric)
            guard let metric = ReportMetric(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .metric, in: c, debugDescription: "unknown metric \(name)")
            }
            self.metric = metric
            n = try c.decode(Int.self, forKey: .n)
            mean = try c.decodeIfPresent(Double.self, forKey: .mean)
            std = try c.decodeIfPresent(Double.self, forKey: .std)
            if let bounds = try c.decodeIfPresent([Double].self, forKey: .ci95) {
                guard bounds.count == 2, bounds[0] <= bounds[1] else {
                    throw DecodingError.dataCorruptedError(forKey: .ci95, in: c, debugDescription: "ci95 must be [lo, hi] with lo <= hi")
                }
                ci95 = bounds[0]...bounds[1]
            }
            runs = try c.decode([String].self, forKey: .runs)
            differenceFrom = try c.decodeIfPresent(String.self, forKey: .differenceFrom)
        }

        /// Undefined values as null (never left out, so every plain row has the same
        /// keys); `difference_from` only on differences.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(trainSites, forKey: .trainSites)
            try c.encode(testSite, forKey: .testSite)
            try c.encode(shots, forKey: .shots)
            try c.encode(variant, forKey: .variant)
            try c.encode(metric.rawValue, forKey: .metric)
            try c.encode(n, forKey: .n)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
            try c.encode(ci95.map { [$0.lowerBound, $0.upperBound] }, forKey: .ci95)
            try c.encode(runs, forKey: .runs)
            try c.encodeIfPresent(differenceFrom, forKey: .differenceFrom)
        }
    }
}
