/// What a sweep table says about one metric over seeds: how many values, their mean, the
/// sample standard deviation (n - 1 in the denominator) and the 95% confidence interval of
/// the mean, mean -/+ t(0.975, n - 1) std / sqrt(n) (Student t). With one value there is no
/// spread to speak of: std and ci95 are nil; with none, the mean is nil too.
struct SampleStatistics {
    var n: Int
    var mean: Double?
    var std: Double?
    var ci95: ClosedRange<Double>?

    /// values: finite.
    init(_ values: [Double]) {
        n = values.count
        guard n > 0 else { return }
        let m = values.reduce(0, +) / Double(n)
        mean = m
        guard n > 1 else { return }
        let s = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        std = s
        let half = StudentT.quantile(0.975, degreesOfFreedom: Double(n - 1)) * s / Double(n).squareRoot()
        ci95 = (m - half)...(m + half)
    }
}
