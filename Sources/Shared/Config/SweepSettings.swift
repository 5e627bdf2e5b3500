import Foundation
import Yams

/// `sweep:` of a sweep's cluster.yaml (docs/SWEEPS.md): the axes whose every combination is
/// one cell, a training run of its own. Everything else in the file is the cells' common
/// configuration.
public struct SweepSettings: Equatable, Sendable {
    /// The site lists trained on, one cell each (`each`: every site alone).
    public var trainSites: [[String]]
    /// The sites every cell is tested on.
    public var testSites: [String]
    public var shots: [Int]
    /// The run's seed of each cell (shots, initial parameters and episodes: `run.seed`).
    public var seeds: [UInt64]
    /// Named partial configurations laid over the common one, in order.
    public var variants: [Variant]

    public struct Variant: Equatable, Sendable {
        public var name: String
        /// The overlay as YAML text (a mapping); `{}` for the common configuration itself.
        public var overlay: String
    }

    init(trainSites: [[String]], testSites: [String], shots: [Int], seeds: [UInt64], variants: [Variant]) {
        self.trainSites = trainSites; self.testSites = testSites; self.shots = shots
        self.seeds = seeds; self.variants = variants
    }

    /// The keys a variant may not set: the axes, and where the cells go.
    static let axisKeys = ["train_sites", "test_sites", "fewshot.shots", "run.seed", "run.folder", "sweep"]
    static let keys = ["train_sites", "test_sites", "shots", "seeds", "variants"]
}

extension SweepSettings {
    /// Reads `sweep:`; `base` gives the defaults (its train_sites, all its sites, its shots
    /// and seed, one variant `full` with no overlay).
    init(reading v: ConfigValue, base: ClusterConfig) throws(ConfigError) {
        let s = try v.section(Self.keys)
        let all = base.sites.map(\.name)
        if let t = s.optional("train_sites") {
            if case .scalar = t.node {
                guard try t.string() == "each" else { throw t.invalid("must be `each` or a list of site lists, e.g. [[A], [A, B]]") }
                trainSites = all.map { [$0] }
            } else {
                trainSites = try t.list().map { element throws(ConfigError) in
                    if case .scalar = element.node { return [try element.string()] }
                    return try element.strings()
                }
            }
        } else {
            trainSites = [base.trainSites]
        }
        testSites = try s.optional("test_sites")?.strings() ?? all
        shots = try s.optional("shots")?.ints() ?? [base.fewShot.shots]
        if let list = s.optional("seeds") {
            seeds = try list.list().map { e throws(ConfigError) in try e.uint64() }
        } else {
            seeds = [base.run.seed]
        }
        variants = []
        if let given = s.optional("variants") {
            guard case let .mapping(mapping) = given.node else { throw given.wrongType("a mapping of variant names to overlays, e.g. {full: {}, no-fuse: {model: {ablate: [fuse]}}}") }
            for (key, overlay) in mapping {
                let name = key.string ?? ""
                let path = ConfigKeyPath.child(given.keyPath, name)
                let value = ConfigValue(node: overlay, keyPath: path, line: key.mark?.line, source: v.source)
                guard value.isNull || { if case .mapping = overlay { return true }; return false }() else {
                    throw value.wrongType("a mapping of settings laid over the common configuration, e.g. {model: {ablate: [fuse]}}")
                }
                for key in Self.axisKeys where SweepOverlay.sets(overlay, path: key) {
                    throw value.invalid("sets \(key), which the sweep's axes decide (sweep.train_sites, test_sites, shots, seeds; the cell folders): set it under sweep:, not in a variant")
                }
                let text = value.isNull ? "{}\n" : ((try? Yams.serialize(node: overlay)) ?? "{}\n")
                variants.append(Variant(name: name, overlay: text))
            }
        } else {
            variants = [Variant(name: "full", overlay: "{}\n")]
        }
    }

    func validate(_ v: ConfigValidator, base: ClusterConfig) throws(ConfigError) {
        let all = Set(base.sites.map(\.name))
        try v.nonEmpty(trainSites, "sweep.train_sites", "site list")
        for list in trainSites {
            try v.nonEmpty(list, "sweep.train_sites", "site in each list")
            for s in list { try v.check(all.contains(s), "sweep.train_sites", "\(s) is not a site (sites: \(base.sites.map(\.name).joined(separator: ", ")))") }
            try v.check(Set(list).count == list.count, "sweep.train_sites", "\(list) names a site twice")
        }
        try v.check(Set(trainSites).count == trainSites.count, "sweep.train_sites", "a site list appears twice")
        try v.nonEmpty(testSites, "sweep.test_sites", "site")
        for s in testSites { try v.check(all.contains(s), "sweep.test_sites", "\(s) is not a site") }
        try v.nonEmpty(shots, "sweep.shots", "shot count")
        for n in shots { try v.atLeast(n, 1, "sweep.shots") }
        try v.check(Set(shots).count == shots.count, "sweep.shots", "a shot count appears twice")
        try v.nonEmpty(seeds, "sweep.seeds", "seed")
        try v.check(Set(seeds).count == seeds.count, "sweep.seeds", "a seed appears twice")
        try v.nonEmpty(variants, "sweep.variants", "variant")
        for variant in variants { try v.name(variant.name, "sweep.variants.\(variant.name)") }
        try v.check(base.fewShot.shotsFile == nil, "fewshot.shots_file",
                    "a sweep draws the shots of each cell from its seed and shot count; remove fewshot.shots_file")
    }
}

/// Laying a variant's partial configuration over the common one, on the YAML trees:
/// mappings merge key by key, anything else replaces.
enum SweepOverlay {
    static func merge(_ base: Node, _ overlay: Node) -> Node {
        guard case let .mapping(b) = base, case let .mapping(o) = overlay else {
            if case .scalar = overlay, overlay.tag.rawValue == Tag.Name.null.rawValue, case .mapping = base { return base }
            return overlay
        }
        var pairs = Array(b.map { ($0.key, $0.value) })
        for (key, value) in o {
            if let i = pairs.firstIndex(where: { $0.0.string == key.string }) {
                pairs[i].1 = merge(pairs[i].1, value)
            } else {
                pairs.append((key, value))
            }
        }
        return Node(pairs)
    }

    /// Whether the overlay sets the dotted key path (or a part of it).
    static func sets(_ overlay: Node, path: String) -> Bool {
        var node = overlay
        for part in path.split(separator: ".") {
            guard case let .mapping(m) = node, let next = m.first(where: { $0.key.string == String(part) })?.value else { return false }
            node = next
        }
        return true
    }

    /// The tree without a top-level key.
    static func removing(_ key: String, from node: Node) -> Node {
        guard case let .mapping(m) = node else { return node }
        return Node(m.filter { $0.key.string != key }.map { ($0.key, $0.value) })
    }
}
