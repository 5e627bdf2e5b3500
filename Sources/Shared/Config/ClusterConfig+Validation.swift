import Foundation

/// The rules between and within values: ranges, names, references, and the settings that
/// only make sense together. `parse` and `load` apply them; a configuration built in code
/// can be checked with `validate()`.
extension ClusterConfig {
    /// Checks every rule of the schema; the first broken one is thrown, naming `source` as
    /// the file. `requiringSites` false: a configuration for training from a prepared pool
    /// alone, which reads no dataset, may have no sites.
    public func validate(source: String = "configuration", requiringSites: Bool = true) throws(ConfigError) {
        try validate(ConfigValidator(file: source, lines: ConfigLines()), requiringSites: requiringSites)
    }

    func validate(_ v: ConfigValidator, requiringSites: Bool = true) throws(ConfigError) {
        if version != Self.currentVersion {
            throw .unsupportedVersion(.init(file: v.file, line: v.lines.line(for: "version"), keyPath: "version"),
                                      found: String(version))
        }
        try v.name(run.name, "run.name")
        try validateBackbone(v)
        try validateSites(v, required: requiringSites)
        try v.check(data.maskThreshold > 0 && data.maskThreshold <= 1, "data.mask_threshold",
                    "must be a number greater than 0 and at most 1, found \(data.maskThreshold)")
        try v.atLeast(fewShot.shots, 1, "fewshot.shots")
        try v.nonEmpty(fewShot.views, "fewshot.views", "view (\(FewShotSettings.View.allCases.map(\.rawValue).joined(separator: ", ")))")
        try v.distinctText(fewShot.views.map(\.rawValue), "fewshot.views")
        try validateModel(v)
        try validateTrain(v)
        try v.nonNegative(eval.smoothingSigma, "eval.smoothing_sigma")
        try v.check(eval.smoothingSigma <= Double(GaussianFilter.maxSigma), "eval.smoothing_sigma",
                    "must be at most \(GaussianFilter.maxSigma), found \(eval.smoothingSigma)")
        try v.atLeast(eval.overlays, 0, "eval.overlays")
        try validateCoordinator(v)
        try v.atLeast(worker.threads, 1, "worker.threads")
        try v.positive(worker.idleExit, "worker.idle_exit")
        try v.positive(worker.reconnectMax, "worker.reconnect_max")
        if let m = worker.featureMemory {
            try v.check(m.bytes >= 1, "worker.feature_memory", "must be at least 1B (or null for no limit), found \(m)")
        }
    }

    private func validateBackbone(_ v: ConfigValidator) throws(ConfigError) {
        let b = backbone
        switch b.weights {
        case .builtinTiny:
            try v.check(b.vocab == nil, "backbone.vocab",
                        "must be null with \(BackboneSettings.Weights.builtinTinyName) (it has its own byte-level vocabulary)")
            try v.check(b.merges == nil, "backbone.merges", "must be null with \(BackboneSettings.Weights.builtinTinyName)")
        case let .file(url):
            try v.check(url.pathExtension == "safetensors", "backbone.weights",
                        "must be \(BackboneSettings.Weights.builtinTinyName) or a path to a CLIP .safetensors file, found \(url.path)")
            guard let vocab = b.vocab else {
                throw v.fail("backbone.vocab", "is required when backbone.weights is a file: vocab.json (with merges) or bpe_simple_vocab_16e6.txt.gz")
            }
            if vocab.pathExtension == "json" {
                try v.check(b.merges != nil, "backbone.merges", "is required with a vocab.json: give its merges.txt")
            } else {
                try v.check(vocab.pathExtension == "gz", "backbone.vocab",
                            "must be a vocab.json or a bpe_simple_vocab_16e6.txt.gz, found \(vocab.lastPathComponent)")
                try v.check(b.merges == nil, "backbone.merges",
                            "must be null with a .txt.gz vocabulary (the merges are inside it)")
            }
        }
        if let size = b.imageSize { try v.atLeast(size, 1, "backbone.image_size") }
        if let layers = b.layers {
            try v.nonEmpty(layers, "backbone.layers", "block number (or null for the quarter points of the depth)")
            for (i, layer) in layers.enumerated() {
                let path = ConfigKeyPath.element("backbone.layers", i)
                try v.atLeast(layer, 1, path)
                if i > 0 {
                    try v.check(layer > layers[i - 1], path, "block numbers must increase, found \(layer) after \(layers[i - 1])")
                }
            }
        }
    }

    private func validateSites(_ v: ConfigValidator, required: Bool) throws(ConfigError) {
        guard required || !sites.isEmpty || !trainSites.isEmpty || !testSites.isEmpty else { return }
        try v.nonEmpty(sites, "sites", "site (name and path)")
        for (i, site) in sites.enumerated() { try v.name(site.name, "sites[\(i)].name") }
        var seen = [String: Int]()
        for (i, site) in sites.enumerated() {
            if let first = seen[site.name] {
                throw v.fail("sites[\(i)].name", "\"\(site.name)\" is already the name of sites[\(first)]; site names must be unique")
            }
            seen[site.name] = i
        }
        let names = sites.map(\.name)
        try v.references(trainSites, "train_sites", known: names, knownPath: "sites")
        try v.references(testSites, "test_sites", known: names, knownPath: "sites")
    }

    private func validateModel(_ v: ConfigValidator) throws(ConfigError) {
        let m = model
        try v.check(m.classes.count >= 2, "model.classes",
                    "must list at least two classes, the normal one first, found \(m.classes.count)")
        for (i, name) in m.classes.enumerated() { try v.name(name, "model.classes[\(i)]") }
        try v.distinctText(m.classes, "model.classes")
        try v.atLeast(m.adapterRank, 1, "model.adapter_rank")
        try v.positive(m.temperature, "model.temperature")
        try v.check(m.leakySlope.isFinite && m.leakySlope >= 0 && m.leakySlope < 1, "model.leaky_slope",
                    "must be a number from 0 up to (not including) 1, found \(m.leakySlope)")
        try v.nonEmpty(m.promptTemplates, "model.prompt_templates", "template")
        try v.distinctText(m.promptTemplates, "model.prompt_templates")
        for (i, template) in m.promptTemplates.enumerated() {
            try v.check(template.components(separatedBy: "{}").count == 2, "model.prompt_templates[\(i)]",
                        "\"\(template)\" must contain {} exactly once (where the state word goes)")
        }
        try v.nonEmpty(m.normalStates, "model.normal_states", "state word")
        try v.distinctText(m.normalStates, "model.normal_states")
        try v.nonEmpty(m.abnormalStates, "model.abnormal_states", "state word")
        try v.distinctText(m.abnormalStates, "model.abnormal_states")
        for name in m.classDescriptions.keys.sorted() where !m.classes.contains(name) {
            throw v.fail("model.class_descriptions.\(name)", "is not a class of model.classes (\(m.classes.joined(separator: ", ")))")
        }
        for name in m.classes {
            guard let sentences = m.classDescriptions[name], !sentences.isEmpty else {
                throw v.fail("model.class_descriptions", "is missing class '\(name)': give a list of sentences for every class in model.classes (\(m.classes.joined(separator: ", ")))")
            }
            try v.distinctText(sentences, "model.class_descriptions.\(name)")
        }
    }

    private func validateTrain(_ v: ConfigValidator) throws(ConfigError) {
        let t = train
        try v.atLeast(t.steps, 0, "train.steps")
        try v.atLeast(t.queriesPerClass, 1, "train.queries_per_class")
        try v.check(t.queriesPerClass <= fewShot.shots, "train.queries_per_class",
                    "must be at most fewshot.shots (\(fewShot.shots)): queries are drawn from the support set, found \(t.queriesPerClass)")
        try v.atLeast(t.chunkSize, 1, "train.chunk_size")
        try v.positive(t.learningRate, "train.learning_rate")
        for (i, beta) in [t.beta1, t.beta2].enumerated() {
            try v.check(beta >= 0 && beta < 1, "train.betas[\(i)]", "must be a number from 0 up to (not including) 1, found \(beta)")
        }
        try v.positive(t.epsilon, "train.eps")
        try v.nonNegative(t.weightDecay, "train.weight_decay")
        try v.atLeast(t.checkpointEvery, 0, "train.checkpoint_every")
        try v.positive(t.logEvery, "train.log_every")
    }

    private func validateCoordinator(_ v: ConfigValidator) throws(ConfigError) {
        let c = coordinator
        for (path, endpoint) in [("coordinator.bind", c.bind), ("coordinator.ipc", c.ipc)] {
            guard let endpoint else { continue }
            // A value built in code must survive the same parsing as one from the file.
            let reparsed: Endpoint
            do { reparsed = try Endpoint(parsing: endpoint.description) } catch { throw v.fail(path, error.reason) }
            try v.check(reparsed == endpoint, path, "\"\(endpoint)\" is not a valid endpoint")
        }
        if let ipc = c.ipc, case .tcp = ipc {
            throw v.fail("coordinator.ipc", "must be an ipc:///absolute/path endpoint (or null), found \(ipc)")
        }
        try v.atLeast(c.minWorkers, 1, "coordinator.min_workers")
        try v.positive(c.workerTimeout, "coordinator.worker_timeout")
        try v.positive(c.heartbeat, "coordinator.heartbeat")
        try v.check(c.heartbeat.seconds < c.workerTimeout.seconds / 2, "coordinator.heartbeat",
                    "must be less than half of coordinator.worker_timeout (\(c.workerTimeout)), found \(c.heartbeat)")
        if let curve = c.curve {
            try v.nonEmpty(curve.authorizedWorkers, "coordinator.curve.authorized_workers", "worker public key file")
        } else if !c.bind.isLoopback && !c.allowInsecure {
            throw v.fail("coordinator.bind", "\(c.bind) is reachable from other hosts without encryption; add coordinator.curve keys (ultraad keys generate) or set coordinator.allow_insecure: true")
        }
    }
}
