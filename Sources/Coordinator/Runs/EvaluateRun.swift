import Foundation
import Shared

/// `evaluate`: predictions of the trained head on every test site, and the report.
enum EvaluateRun {
    /// Evaluates the run folder's latest checkpoint (or `checkpoint`); writes the report
    /// into the run folder and returns the metrics by site.
    /// `zeroShot`: evaluate the initial parameters (step 0) instead of a checkpoint.
    /// `output`: where the report goes (default: the run folder).
    /// `extraction`: where the test images' features are computed when not in the cache.
    /// `memo`: what earlier runs of this process loaded (a sweep's cells share it).
    static func execute(_ config: ClusterConfig, checkpoint: URL?, extraction: FeatureExtraction, zeroShot: Bool = false,
                        output: URL? = nil, notes extraNotes: [String] = [], memo: RunInputsMemo? = nil) throws -> [String: SiteMetrics] {
        let inputs = try RunInputs(config: config, reuseRunShots: true, memo: memo)
        defer { inputs.share(with: memo) }
        let poolURL = inputs.runFolder.appendingPathComponent("pool.safetensors")
        guard FileManager.default.fileExists(atPath: poolURL.path) else {
            throw CoordinatorError.run("\(poolURL.path) does not exist: run `ultraad prepare` and `ultraad train` for this config first (or `ultraad run`)")
        }
        let prepared = try PreparedPool.read(from: poolURL, cache: inputs.cache, featureDType: config.fewShot.featureDType)
        guard let head = prepared.headConfig(model: config.model) else {
            throw CoordinatorError.run("\(poolURL.path): the pool holds no support views")
        }
        let layout = ParameterLayout(head: head)
        let folder = try RunFolder(inputs.runFolder)
        let parameters: ParameterSet
        var used = "initial parameters (zero-shot: no checkpoint)", step = 0
        if !zeroShot, let url = checkpoint ?? folder.latestCheckpoint() {
            let read = try Checkpoint.read(from: url, layout: layout, settings: config.adamWSettings)
            parameters = read.parameters
            step = read.optimizer.step
            used = url.lastPathComponent
        } else {
            parameters = .initial(head, seed: config.run.seed)
        }
        let normals = config.eval.fewShotMemory
            ? prepared.pool.images.filter { $0.label == 0 }.flatMap(\.views) : []
        let sigma = config.eval.smoothingSigma
        let model = HeadInference(parameters: parameters, config: head, bank: prepared.bank,
                                  normalSupport: normals, smoothingSigma: sigma > 0 ? Float(sigma) : nil)
        let size = inputs.extractor.imageSize
        let split = config.testSites.map { ($0, inputs.testEntries($0)) }
        let tests = split.map { ($0.0, $0.1.test) }
        let show = LineProgress(label: "test features")
        try inputs.source.computeMissing(tests.flatMap { $0.1.map { ($0, ViewKind.identity) } }, extraction: extraction,
                                  progress: { show($0, $1) })
        var sites = [SiteEvaluation]()
        var scores = ScoresFile(classes: config.model.classes)
        for (name, entries) in tests {
            var acc = SiteAccumulator(name: name, classNames: config.model.classes,
                                      overlaysPerClass: config.eval.overlays > 0 ? max(1, config.eval.overlays / 6) : 0,
                                      expectedPixels: entries.count * size * size)
            for entry in entries {
                let labeled = try entry.load()
                let p = model.predict(try inputs.source.cachedFeatures(entry, .identity), size: (size, size))
                scores.add(entry, prediction: p)
                try acc.add(ImageEvaluation(id: entry.id, label: entry.label.rawValue,
                                            image: try inputs.extractor.cropImage(labeled.image),
                                            mask: try inputs.extractor.cropMask(labeled.mask), map: p.map,
                                            score: p.score, probabilities: p.probabilities))
            }
            sites.append(try acc.finish())
        }
        var notes = ["Run: \(inputs.runFolder.path); parameters: \(used); backbone: \(config.backbone.weights)."]
        if config.backbone.weights.description.hasPrefix("builtin:") {
            notes.append("builtin:tiny is a CLIP with seeded random weights for trying the pipeline; its numbers say nothing about a real CLIP.")
        }
        let skipped = inputs.datasets.values.map(\.skipped.count).reduce(0, +)
        if skipped > 0 { notes.append("\(skipped) unreadable or inconsistent files were skipped (see `ultraad data check`).") }
        for (name, parts) in split where !parts.excluded.isEmpty {
            notes.append("\(name): \(parts.excluded.count) image(s) not tested: they share a patient or a duplicate group with a shot.")
        }
        if config.eval.fewShotMemory && normals.isEmpty {
            notes.append("No normal shot (the training sites have no normal images): no normal-patch memory; the anomaly map is the mean of the per-layer maps.")
        }
        notes += extraNotes
        let extras = try ReportExtras(inputs: inputs, parametersUsed: used,
                                  excluded: Dictionary(uniqueKeysWithValues: split.map { ($0.0, $0.1.excluded.count) }))
        let metrics = try EvaluationReport.write(sites: sites, to: output ?? inputs.runFolder,
                                                 title: "UltraAD evaluation: \(config.run.name)", notes: notes, extras: extras,
                                                 identity: (config.digest, step))
        try scores.write(to: (output ?? inputs.runFolder).appendingPathComponent("scores.csv"))
        try RunEvents.evaluation(metrics, order: config.testSites, step: step, folder: output ?? inputs.runFolder)
        return metrics
    }

    /// The metrics table as text for the terminal.
    static func table(_ metrics: [String: SiteMetrics], order: [String]) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "  n/a" : String(format: "%5.3f", x) }
        var s = "site        image AUROC  image AP  pixel AUROC  pixel AP  class AUROC  benign/malignant\n"
        for name in order {
            guard let m = metrics[name] else { continue }
            s += name.padding(toLength: 12, withPad: " ", startingAt: 0)
                + "      \(f(m.imageAUROC))     \(f(m.imageAP))        \(f(m.pixelAUROC))     \(f(m.pixelAP))        \(f(m.classAUROC))             \(f(m.benignMalignantAUROC))\n"
        }
        return s
    }
}
