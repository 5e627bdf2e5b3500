import Datasets
import Foundation
import Shared

extension ReportExtras {
    /// What report.html adds for a run: its provenance, the curves of its metrics.jsonl
    /// (when it was trained) and its sites' data check in brief.
    init(inputs: RunInputs, parametersUsed: String, excluded: [String: Int]) throws {
        let c = inputs.config
        var rows: [(key: String, value: String)] = [
            ("run", "\(c.run.name) (\(inputs.runFolder.path))"),
            ("config digest", c.digest),
            ("backbone", "\(c.backbone.weights) (features \(inputs.extractor.digest), \(inputs.extractor.imageSize) px, layers \(inputs.extractor.layers.map(String.init).joined(separator: ", ")))"),
            ("seed", String(c.run.seed)),
            ("training sites", c.trainSites.joined(separator: ", ")),
            ("test sites", c.testSites.joined(separator: ", ")),
            ("shots", "\(c.fewShot.shots) per class (groups), views \(c.fewShot.views.map(\.rawValue).joined(separator: ", "))"),
            ("steps", "\(c.train.steps) (train.steps); parameters: \(parametersUsed)"),
            ("duplicates merged into groups", c.data.mergeDuplicates ? "yes" : "no"),
        ]
        let ablate = c.model.ablate
        rows.append(("ablation", ablate.isEmpty ? "none (every component of docs/METHOD.md)"
                     : "switched off: " + ablate.map(\.rawValue).joined(separator: ", ")
                       + (c.model.isZeroShot ? " (the zero-shot baseline)" : "")))
        let folder = inputs.runFolder.appendingPathComponent("metrics.jsonl")
        var curves: [LineChart] = []
        if let steps = try? StepMetrics.read(folder), !steps.isEmpty {
            func series(_ name: String, _ value: (StepMetrics) -> Double) -> LineChart.Series {
                .init(name: name, points: steps.map { (Double($0.step), value($0)) })
            }
            curves = [
                LineChart(title: "Loss and its parts", series: [series("total", \.loss), series("focal", \.focal), series("dice", \.dice),
                                                                series("bce", \.bce), series("ce", \.ce)]),
                LineChart(title: "Speed", series: [series("episodes/s", \.episodesPerSecond)]),
                LineChart(title: "Step time (s)", series: [series("seconds", \.seconds), series("longest block", \.criticalComputeSeconds)]),
                LineChart(title: "Workers", series: [series("ready workers", { Double($0.workers) })]),
            ]
        }
        let datasets = c.sites.compactMap { inputs.datasets[$0.name] }
        // The duplicates the split merged, or (with data.merge_duplicates off) found for the report alone.
        let report = DataCheckReport(datasets: datasets, scan: try inputs.scan ?? RunInputs.scan(datasets, config: c))
        let data = report.sites.map { s in
            DataSite(name: s.name, format: s.format, classCounts: [s.classes.normal, s.classes.benign, s.classes.malignant],
                     groups: s.groups, skipped: s.skipped.count, duplicateGroups: s.duplicateGroups.count,
                     labelConflicts: s.labelConflicts.count, excludedFromTest: excluded[s.name] ?? 0)
        }
        self.init(provenance: rows, curves: curves, data: data)
    }
}
