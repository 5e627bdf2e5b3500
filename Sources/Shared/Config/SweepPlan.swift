import Foundation
import Yams

/// One cell of a sweep: a training run with its own folder SWEEP/cells/NAME and its
/// effective configuration (the common one, the variant's overlay, the axes' values).
public struct SweepCell: Equatable, Sendable {
    /// Place in the plan's fixed order (a job array's task id).
    public var index: Int
    /// Stable: made from the axes' values alone, so a cell keeps its folder when the plan grows.
    public var name: String
    public var trainSites: [String]
    public var shots: Int
    public var seed: UInt64
    public var variant: String
    public var config: ClusterConfig

    public var folder: URL { config.run.folder }
}

/// A sweep's cluster.yaml read whole: the common configuration, `sweep:`, and every cell
/// in the fixed order train sites x shots x variants x seeds.
public struct SweepPlan: Sendable {
    public var file: String
    /// SWEEP: the common configuration's run.folder, which holds cells/ and the summary.
    public var folder: URL
    public var settings: SweepSettings
    /// The common configuration (no overlay, the first value of each axis).
    public var common: ClusterConfig
    public var cells: [SweepCell]

    /// The variant the others are compared with: `full` when listed, else the first one
    /// that switches nothing off; nil when every variant is an ablation.
    public var reference: String? {
        if settings.variants.contains(where: { $0.name == "full" }) { return "full" }
        return settings.variants.first { v in cells.first { $0.variant == v.name }?.config.model.ablate.isEmpty ?? false }?.name
    }

    /// A cell by name, or by its index in the plan.
    public func cell(_ nameOrIndex: String) -> SweepCell? {
        if let i = Int(nameOrIndex) { return cells.indices.contains(i) ? cells[i] : nil }
        return cells.first { $0.name == nameOrIndex }
    }

    public static func load(path: String) throws(ConfigError) -> SweepPlan {
        let url = URL(filePath: path, directoryHint: .notDirectory)
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        return try parse(yaml: text, source: path, baseDirectory: url.deletingLastPathComponent())
    }

    public static func parse(yaml: String, source: String, baseDirectory: URL) throws(ConfigError) -> SweepPlan {
        let document: Node
        do { document = try Yams.compose(yaml: yaml) ?? Node("", Tag(.null)) } catch let error as YamlError {
            throw ClusterConfig.syntaxError(error, file: source)
        } catch { throw .syntax(file: source, line: nil, message: String(describing: error)) }
        let from = ConfigSource(file: source, baseDirectory: baseDirectory)
        let v = ConfigValidator(file: source, lines: ConfigLines(root: document))
        guard case let .mapping(mapping) = document, let sweepEntry = mapping.first(where: { $0.key.string == "sweep" }) else {
            throw .missingKey(.init(file: source, line: 1, keyPath: "sweep"),
                              hint: "a sweep's file has a sweep: section listing its axes (docs/SWEEPS.md); for one run use `ultraad run`")
        }
        let commonNode = SweepOverlay.removing("sweep", from: document)
        func read(_ node: Node) throws(ConfigError) -> ClusterConfig {
            try ClusterConfig(reading: ConfigValue(node: node, keyPath: "", line: node.mark?.line ?? 1, source: from))
        }
        let common = try read(commonNode)
        try common.validate(v)
        let sweepValue = ConfigValue(node: sweepEntry.value, keyPath: "sweep", line: sweepEntry.key.mark?.line, source: from)
        let settings = try SweepSettings(reading: sweepValue, base: common)
        try settings.validate(v, base: common)
        var variants = [(String, ClusterConfig)]()
        for variant in settings.variants {
            let overlay: Node
            do { overlay = try Yams.compose(yaml: variant.overlay) ?? Node("", Tag(.null)) } catch {
                throw .syntax(file: source, line: nil, message: "sweep.variants.\(variant.name): \(error)")
            }
            variants.append((variant.name, try read(SweepOverlay.merge(commonNode, overlay))))
        }
        return try SweepPlan(file: source, common: common, settings: settings, variants: variants, validator: v)
    }

    /// The plan of a sweep given in code (`crosssite`): no overlays, one variant `full`.
    public init(file: String, common: ClusterConfig, trainSites: [[String]], testSites: [String]) throws(ConfigError) {
        let settings = SweepSettings(trainSites: trainSites, testSites: testSites, shots: [common.fewShot.shots],
                                     seeds: [common.run.seed], variants: [.init(name: "full", overlay: "{}\n")])
        let v = ConfigValidator(file: file, lines: ConfigLines())
        try settings.validate(v, base: common)
        try self.init(file: file, common: common, settings: settings, variants: [("full", common)], validator: v)
    }

    /// Every cell in the fixed order: train sites, shots, variants, seeds.
    init(file: String, common: ClusterConfig, settings: SweepSettings, variants: [(String, ClusterConfig)],
         validator v: ConfigValidator) throws(ConfigError) {
        let folder = common.run.folder
        var cells = [SweepCell]()
        for train in settings.trainSites {
            for shots in settings.shots {
                for (variant, base) in variants {
                    for seed in settings.seeds {
                        let name = "\(train.joined(separator: "+"))_s\(shots)_seed\(seed)_\(variant)"
                        var c = base
                        c.trainSites = train
                        c.testSites = settings.testSites
                        c.fewShot.shots = shots
                        c.run.seed = seed
                        c.run.folder = folder.appendingPathComponent("cells").appendingPathComponent(name)
                        do { try c.validate(v) } catch {
                            throw .invalidValue(.init(file: file, line: nil, keyPath: "sweep"),
                                                message: "cell \(name) (variant \(variant)): \(error)")
                        }
                        cells.append(SweepCell(index: cells.count, name: name, trainSites: train, shots: shots,
                                               seed: seed, variant: variant, config: c))
                    }
                }
            }
        }
        self.init(file: file, folder: folder, settings: settings, common: common, cells: cells)
    }

    init(file: String, folder: URL, settings: SweepSettings, common: ClusterConfig, cells: [SweepCell]) {
        self.file = file; self.folder = folder; self.settings = settings; self.common = common; self.cells = cells
    }
}
