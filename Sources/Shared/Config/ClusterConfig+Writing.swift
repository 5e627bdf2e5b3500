import Foundation
import Yams

/// The effective configuration as cluster.yaml text: every key of the schema, defaults
/// filled in, paths absolute. Reading the text back gives the same configuration (a test
/// checks the round trip), so a run folder's `effective-config.yaml` can be used as the
/// `--config` of a later command.
extension ClusterConfig {
    /// Keys that never change what a run computes, so the digest leaves them out: names and
    /// where things are (a SLURM requeue on another node sees other absolute paths), where
    /// training stops (no schedule depends on the total, so step k is the same bits in a
    /// longer run, which may resume a shorter one), how often to checkpoint and log, the
    /// report's pictures, and how the processes find and watch each other. The data and the backbone enter a training run's identity through
    /// the prepared pool (its bank digest), not through their paths.
    public static let digestExcludedKeys = [
        "run.name", "run.folder",
        "backbone.weights", "backbone.vocab", "backbone.merges",
        "sites[].path", "sites[].table",
        "fewshot.cache", "fewshot.shots_file",
        "train.steps", "train.checkpoint_every", "train.log_every",
        "eval.overlays",
        "coordinator", "worker",
    ]

    /// A digest of every setting that changes the result, from the file or from a flag
    /// alike: FNV-1a 64 (hex) of the sorted-key YAML without `digestExcludedKeys`.
    public var digest: String {
        var node = yamlNode
        for key in Self.digestExcludedKeys { node = Self.removing(key.split(separator: ".").map(String.init), from: node) }
        return fnv1aDigest(Array(((try? Yams.serialize(node: node, sortKeys: true)) ?? "").utf8))
    }

    /// The effective configuration as YAML text, keys in the schema's order.
    public var yamlText: String {
        let header = "# The effective configuration of this run: every key, defaults filled in, paths absolute.\n"
        return header + ((try? Yams.serialize(node: yamlNode)) ?? "")
    }

    /// The configuration as a YAML tree with the schema's key names.
    public var yamlNode: Node {
        func map(_ pairs: [(String, Node)]) -> Node { Node(pairs.map { (Node($0.0), $0.1) }) }
        func text(_ s: String) -> Node { Node(s, Tag(.str), .doubleQuoted) }
        func texts(_ list: [String]) -> Node { Node(list.map(text)) }
        func int(_ i: Int) -> Node { Node(String(i), Tag(.int)) }
        func number(_ d: Double) -> Node {
            // Swift's shortest form (0.005, 1e-08), with the fraction YAML wants before an exponent.
            guard d.isFinite else { return .scalar(d.represented()) }
            var t = "\(d)"
            if let e = t.firstIndex(of: "e"), !t.contains(".") { t.insert(contentsOf: ".0", at: e) }
            return Node(t, Tag(.float))
        }
        func bool(_ b: Bool) -> Node { Node(b ? "true" : "false", Tag(.bool)) }
        func path(_ u: URL?) -> Node { u.map { text($0.path) } ?? Node("null", Tag(.null)) }
        func duration(_ d: ConfigDuration) -> Node { text(d.description) }
        let null = Node("null", Tag(.null))
        let curve = coordinator.curve.map {
            map([("secret_key", path($0.secretKey)), ("public_key", path($0.publicKey)),
                 ("authorized_workers", Node($0.authorizedWorkers.map { path($0) }))])
        }
        return map([
            ("version", int(version)),
            ("run", map([("name", text(run.name)), ("folder", path(run.folder)), ("seed", Node(String(run.seed), Tag(.int)))])),
            ("backbone", map([("weights", text(backbone.weights.description)), ("vocab", path(backbone.vocab)),
                              ("merges", path(backbone.merges)), ("image_size", backbone.imageSize.map(int) ?? null),
                              ("layers", backbone.layers.map { Node($0.map(int)) } ?? null),
                              ("preprocess", text(backbone.preprocess.rawValue))])),
            ("sites", Node(sites.map {
                map([("name", text($0.name)), ("path", path($0.path)), ("format", text($0.format.rawValue)),
                     ("table", path($0.table))])
            })),
            ("train_sites", texts(trainSites)),
            ("test_sites", texts(testSites)),
            ("data", map([("skip_bad", bool(data.skipBad)), ("mask_threshold", number(data.maskThreshold)),
                          ("merge_duplicates", bool(data.mergeDuplicates))])),
            ("fewshot", map([("shots", int(fewShot.shots)), ("shots_file", path(fewShot.shotsFile)),
                             ("views", texts(fewShot.views.map(\.rawValue))), ("cache", path(fewShot.cache)),
                             ("feature_dtype", text(fewShot.featureDType.rawValue))])),
            ("model", map([("classes", texts(model.classes)), ("adapter_rank", int(model.adapterRank)),
                           ("temperature", number(model.temperature)), ("leaky_slope", number(model.leakySlope)),
                           ("prompt_templates", texts(model.promptTemplates)),
                           ("normal_states", texts(model.normalStates)), ("abnormal_states", texts(model.abnormalStates)),
                           ("class_descriptions", map(model.classes.compactMap { name in
                               model.classDescriptions[name].map { (name, texts($0)) } })),
                           ("ablate", texts(model.ablate.map(\.rawValue)))])),
            ("train", map([("steps", int(train.steps)), ("queries_per_class", int(train.queriesPerClass)),
                           ("chunk_size", int(train.chunkSize)), ("learning_rate", number(train.learningRate)),
                           ("betas", Node([number(train.beta1), number(train.beta2)])), ("eps", number(train.epsilon)),
                           ("weight_decay", number(train.weightDecay)), ("checkpoint_every", int(train.checkpointEvery)),
                           ("log_every", duration(train.logEvery))])),
            ("eval", map([("few_shot_memory", bool(eval.fewShotMemory)), ("smoothing_sigma", number(eval.smoothingSigma)),
                          ("overlays", int(eval.overlays))])),
            ("coordinator", map([("bind", text(coordinator.bind.description)),
                                 ("ipc", coordinator.ipc.map { text($0.description) } ?? null),
                                 ("min_workers", int(coordinator.minWorkers)),
                                 ("worker_timeout", duration(coordinator.workerTimeout)),
                                 ("heartbeat", duration(coordinator.heartbeat)),
                                 ("allow_insecure", bool(coordinator.allowInsecure)), ("curve", curve ?? null),
                                 ("relay", bool(coordinator.relay))])),
            ("worker", map([("threads", int(worker.threads)), ("idle_exit", duration(worker.idleExit)),
                            ("reconnect_max", duration(worker.reconnectMax)),
                            ("feature_memory", worker.featureMemory.map { text($0.description) } ?? null)])),
        ])
    }

    /// `node` without the key at `path` (`name[]` applies the rest of the path to each
    /// element of the list `name`).
    static func removing(_ path: [String], from node: Node) -> Node {
        guard let first = path.first, case let .mapping(mapping) = node else { return node }
        let isList = first.hasSuffix("[]"), key = isList ? String(first.dropLast(2)) : first
        var pairs = [(Node, Node)]()
        for (k, v) in mapping {
            guard k.string == key else { pairs.append((k, v)); continue }
            if path.count == 1 && !isList { continue }
            let rest = Array(path.dropFirst())
            if isList, case let .sequence(seq) = v {
                pairs.append((k, Node(seq.map { removing(rest, from: $0) })))
            } else {
                pairs.append((k, removing(rest, from: v)))
            }
        }
        return Node(pairs)
    }
}
