import Foundation

/// Reading of the model, training, evaluation and process sections (see
/// ClusterConfig+Reading.swift for the rest).
extension ClusterConfig.ModelSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["classes", "adapter_rank", "temperature", "leaky_slope", "prompt_templates",
                               "normal_states", "abnormal_states", "class_descriptions", "ablate"])
        let d = Self()
        let classes = try s.strings("classes", default: d.classes)
        var descriptions = d.classDescriptions.filter { classes.contains($0.key) }
        if let d = s["class_descriptions"] {
            // Keys are the class names; a key that is not one is an unknown key.
            let section = try d.section(classes)
            descriptions = [:]
            for name in classes {
                if let sentences = section[name] { descriptions[name] = try sentences.strings() }
            }
        }
        var ablate = [HeadComponent]()
        if let list = s["ablate"] {
            for element in try list.list() { ablate.append(try element.choice(HeadComponent.self)) }
        }
        self.init(classes: classes,
                  adapterRank: try s.int("adapter_rank", default: d.adapterRank),
                  temperature: try s.double("temperature", default: d.temperature),
                  leakySlope: try s.double("leaky_slope", default: d.leakySlope),
                  promptTemplates: try s.strings("prompt_templates", default: d.promptTemplates),
                  normalStates: try s.strings("normal_states", default: d.normalStates),
                  abnormalStates: try s.strings("abnormal_states", default: d.abnormalStates),
                  classDescriptions: descriptions, ablate: ablate)
    }
}

extension ClusterConfig.TrainSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["steps", "queries_per_class", "chunk_size", "learning_rate", "betas", "eps",
                               "weight_decay", "checkpoint_every", "log_every"])
        let d = Self()
        var betas = (d.beta1, d.beta2)
        if let b = s["betas"] {
            let list = try b.list()
            guard list.count == 2 else { throw b.invalid("must be two numbers [beta1, beta2], found \(list.count)") }
            betas = (try list[0].double(), try list[1].double())
        }
        self.init(steps: try s.int("steps", default: d.steps),
                  queriesPerClass: try s.int("queries_per_class", default: d.queriesPerClass),
                  chunkSize: try s.int("chunk_size", default: d.chunkSize),
                  learningRate: try s.double("learning_rate", default: d.learningRate),
                  beta1: betas.0, beta2: betas.1,
                  epsilon: try s.double("eps", default: d.epsilon),
                  weightDecay: try s.double("weight_decay", default: d.weightDecay),
                  checkpointEvery: try s.int("checkpoint_every", default: d.checkpointEvery),
                  logEvery: try s.duration("log_every", default: d.logEvery))
    }
}

extension ClusterConfig.EvalSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["few_shot_memory", "smoothing_sigma", "overlays"])
        let d = Self()
        self.init(fewShotMemory: try s.bool("few_shot_memory", default: d.fewShotMemory),
                  smoothingSigma: try s.double("smoothing_sigma", default: d.smoothingSigma),
                  overlays: try s.int("overlays", default: d.overlays))
    }
}

extension ClusterConfig.CoordinatorSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["bind", "ipc", "min_workers", "worker_timeout", "heartbeat", "allow_insecure", "curve", "relay"])
        let d = Self()
        self.init(bind: try s["bind"]?.endpoint() ?? d.bind,
                  ipc: try s.optional("ipc")?.endpoint(),
                  minWorkers: try s.int("min_workers", default: d.minWorkers),
                  workerTimeout: try s.duration("worker_timeout", default: d.workerTimeout),
                  heartbeat: try s.duration("heartbeat", default: d.heartbeat),
                  allowInsecure: try s.bool("allow_insecure", default: d.allowInsecure),
                  curve: try s.optional("curve").map { c throws(ConfigError) in try ClusterConfig.CurveSettings(reading: c) },
                  relay: try s.bool("relay", default: d.relay))
    }
}

extension ClusterConfig.CurveSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["secret_key", "public_key", "authorized_workers"])
        let hint = "give all three of secret_key, public_key and authorized_workers, or none (curve: null)"
        self.init(secretKey: try s.required("secret_key", hint: hint).path(),
                  publicKey: try s.required("public_key", hint: hint).path(),
                  authorizedWorkers: try s.required("authorized_workers", hint: hint).paths())
    }
}

extension ClusterConfig.WorkerSettings {
    init(reading v: ConfigValue) throws(ConfigError) {
        let s = try v.section(["threads", "idle_exit", "reconnect_max", "feature_memory"])
        let d = Self()
        self.init(threads: try s.int("threads", default: d.threads),
                  idleExit: try s.duration("idle_exit", default: d.idleExit),
                  reconnectMax: try s.duration("reconnect_max", default: d.reconnectMax),
                  featureMemory: try s.optionalByteSize("feature_memory", default: d.featureMemory))
    }
}
