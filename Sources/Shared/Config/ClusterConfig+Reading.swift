import Foundation
import Yams

/// From the YAML tree to typed settings: types, key names and value syntax (durations,
/// endpoints, names from fixed lists). Rules between values are `validate`'s.
extension ClusterConfig {
    static let topLevelKeys = ["version", "run", "backbone", "sites", "train_sites", "test_sites", "data",
                               "fewshot", "model", "train", "eval", "coordinator", "worker"]

    init(reading root: ConfigValue) throws(ConfigError) {
        // The version first: a file of another schema gets that message, not an unknown key.
        version = try Self.readVersion(root)
        let top = try root.section(Self.topLevelKeys)
        run = try RunSettings(reading: top.value(for: "run"))
        backbone = try BackboneSettings(reading: top.value(for: "backbone"))
        let siteList = try top.required("sites", hint: "list the datasets, e.g. `sites: [{name: A, path: data/site-A}]`")
        var sites = [SiteSettings]()
        for entry in try siteList.list() { sites.append(try SiteSettings(reading: entry)) }
        self.sites = sites
        trainSites = try top.required("train_sites", hint: "name the sites to train on, e.g. `train_sites: [A]`").strings()
        testSites = try top.optional("test_sites")?.strings() ?? sites.map(\.name)
        data = try DataSettings(reading: top.value(for: "data"))
        fewShot = try FewShotSettings(reading: top.value(for: "fewshot"))
        model = try ModelSettings(reading: top.value(for: "model"))
        train = try TrainSettings(reading: top.value(for: "train"))
        eval = try EvalSettings(reading: top.value(for: "eval"))
        coordinator = try CoordinatorSettings(reading: top.value(for: "coordinator"))
        worker = try WorkerSettings(reading: top.value(for: "worker"))
    }

    /// `version`, which must be present and equal to `currentVersion`.
    static func readVersion(_ root: ConfigValue) throws(ConfigError) -> Int {
        let missing = ConfigError.unsupportedVersion(.init(file: root.source.file, line: root.line, keyPath: "version"), found: nil)
        if root.isNull { throw missing }
        guard case let .mapping(mapping) = root.node else { throw root.wrongType("a mapping of settings") }
        guard let entry = mapping.first(where: { $0.key.string == "version" }) else { throw missing }
        let value = ConfigValue(node: entry.value, keyPath: "version", line: entry.key.mark?.line, source: root.source)
        let version = try value.int()
        guard version == currentVersion else {
            throw .unsupportedVersion(value.location, found: String(version))
        }
        return version
    }
}

extension ConfigSection {
    /// The value under a section key, or a null value standing for an absent section.
    func value(for key: String) -> ConfigValue {
        self[key] ?? ConfigValue(node: Node("", Tag(.null)), keyPath: ConfigKeyPath.child(value.keyPath, key),
                                 line: value.line, source: value.source)
    }
}

extension ClusterConfig.RunSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["name", "folder", "seed"])
        let d = Self(baseDirectory: v.source.baseDirectory, name: try s.string("name", default: Self.defaultName))
        self.init(name: d.name, folder: try s.path("folder", default: d.folder), seed: try s.uint64("seed", default: d.seed))
    }
}

extension ClusterConfig.BackboneSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["weights", "vocab", "merges", "image_size", "layers", "preprocess"])
        var weights = Weights.builtinTiny
        if let w = s["weights"] {
            let text = try w.string()
            if text.hasPrefix("builtin:") {
                guard text == Weights.builtinTinyName else {
                    throw w.invalid("unknown builtin backbone \"\(text)\"; the builtin one is \(Weights.builtinTinyName)")
                }
            } else {
                weights = .file(try w.path())
            }
        }
        var preprocess = ImagePreprocess.squash
        if let p = s["preprocess"] {
            let text = try p.string()
            guard let known = ImagePreprocess(rawValue: text) else {
                throw p.invalid("\"\(text)\" is not one of \(ImagePreprocess.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            preprocess = known
        }
        self.init(weights: weights, vocab: try s.optionalPath("vocab"), merges: try s.optionalPath("merges"),
                  imageSize: try s.optional("image_size")?.int(), layers: try s.optional("layers")?.ints(), preprocess: preprocess)
    }
}

extension ClusterConfig.SiteSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["name", "path", "format", "table"])
        let name = try s.required("name", hint: "give each site a unique name, e.g. `name: A`").string()
        let path = try s.required("path", hint: "give the dataset folder or .csv manifest, e.g. `path: data/BUSI`").path()
        var format = Format.auto
        if let f = s["format"] {
            let text = try f.string()
            guard let known = Format(rawValue: text) else {
                throw f.invalid("\"\(text)\" is not one of \(Format.names)")
            }
            format = known
        }
        self.init(name: name, path: path, format: format, table: try s.optionalPath("table"))
    }
}

extension ClusterConfig.DataSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["skip_bad", "mask_threshold", "merge_duplicates"])
        self.init(skipBad: try s.bool("skip_bad", default: false),
                  maskThreshold: try s.double("mask_threshold", default: 0.5),
                  mergeDuplicates: try s.bool("merge_duplicates", default: true))
    }
}

extension ClusterConfig.FewShotSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["shots", "shots_file", "views", "cache", "feature_dtype"])
        let d = Self(baseDirectory: v.source.baseDirectory)
        var views = d.views
        if let list = s["views"] {
            views = []
            for element in try list.list() { views.append(try element.choice(View.self)) }
        }
        self.init(shots: try s.int("shots", default: d.shots), shotsFile: try s.optionalPath("shots_file"),
                  views: views, cache: try s.path("cache", default: d.cache),
                  featureDType: try s["feature_dtype"]?.choice(FeatureDType.self) ?? d.featureDType)
    }
}
