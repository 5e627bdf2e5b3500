import Foundation

/// A trained model in one file (`ultraad export`, read by `ultraad predict`): everything
/// inference needs besides the CLIP weights, in safetensors with the CRC-32C of its tensor
/// data (docs/FORMATS.md, "Model files"). Tensors:
///   param.NAME          the trained parameters (`ParameterLayout`)
///   bank.T0 [2, d], bank.Pt [C, d], bank.Ft [N, d], bank.Lt [N, C], bank.source [N] int32
///   memory.{l} [M, d]   the normal-patch memory of layer l (M = 0 without normal shots), F32,
///                       or F16 when written with `memoryAsFloat16` (`memory_dtype` says which)
/// Metadata: format "ultraad-model", version "1", `head` (the HeadConfig as JSON), `classes`
/// (JSON), the backbone (`backbone_weights_digest` of the weights' content,
/// `backbone_features_digest`, `image_size`, `layers`, `backbone_weights` as given,
/// `preprocess`, `feature_dtype`: float32 when absent), the
/// inference settings (`smoothing_sigma`, `few_shot_memory`), the provenance (`config_digest`,
/// `seed`, `step`, `train_sites`, `run_name`) and `config`, the effective cluster.yaml.
public struct ModelFile: Sendable {
    public static let format = "ultraad-model"
    public static let version = "1"

    public struct Backbone: Equatable, Sendable {
        /// `WeightsDigest` of the weights file's content: predict checks the weights it is given.
        public var weightsDigest: String
        /// `FrozenFeatureExtractor.digest` (weights, size, layers, numerics): the feature cache's folder.
        public var featuresDigest: String
        public var imageSize: Int
        public var layers: [Int]
        /// The weights as the training config named them (`builtin:tiny` or a path), for messages.
        public var weights: String
        /// How images became the S x S input in training: predict does the same.
        public var preprocess: ImagePreprocess
        /// How training stored U and Z0 (`fewshot.feature_dtype`): predict does the same.
        public var featureDType: FeatureDType
        public init(weightsDigest: String, featuresDigest: String, imageSize: Int, layers: [Int], weights: String,
                    preprocess: ImagePreprocess, featureDType: FeatureDType) {
            self.weightsDigest = weightsDigest; self.featuresDigest = featuresDigest
            self.imageSize = imageSize; self.layers = layers; self.weights = weights; self.preprocess = preprocess
            self.featureDType = featureDType
        }
    }

    public struct Provenance: Equatable, Sendable {
        public var configDigest: String
        public var seed: UInt64
        public var step: Int
        public var trainSites: [String]
        public var runName: String
        public init(configDigest: String, seed: UInt64, step: Int, trainSites: [String], runName: String) {
            self.configDigest = configDigest; self.seed = seed; self.step = step; self.trainSites = trainSites; self.runName = runName
        }
    }

    public var head: HeadConfig
    public var parameters: ParameterSet
    public var bank: MemoryBank
    /// Per layer: [M, d] refined patch tokens of the normal support views (`HeadInference.normalMemory`).
    public var normalMemory: [Tensor]
    public var classNames: [String]
    public var backbone: Backbone
    /// nil: no smoothing.
    public var smoothingSigma: Float?
    public var provenance: Provenance
    /// The effective cluster.yaml of the training run (prompts, classes, every setting).
    public var config: String

    public init(head: HeadConfig, parameters: ParameterSet, bank: MemoryBank, normalMemory: [Tensor], classNames: [String],
                backbone: Backbone, smoothingSigma: Float?, provenance: Provenance, config: String) {
        self.head = head; self.parameters = parameters; self.bank = bank; self.normalMemory = normalMemory
        self.classNames = classNames; self.backbone = backbone; self.smoothingSigma = smoothingSigma
        self.provenance = provenance; self.config = config
    }

    /// The model's inference (the memory as stored, not recomputed).
    public var inference: HeadInference {
        HeadInference(parameters: parameters, config: head, bank: bank, normalMemory: normalMemory, smoothingSigma: smoothingSigma)
    }

    // MARK: Writing

    /// `memoryAsFloat16`: the normal-patch memory as half floats, half its bytes (at ViT-L
    /// sizes it is most of the file); its values then carry a rounding of about 1e-3.
    public func write(to url: URL, memoryAsFloat16: Bool = false) throws(SafeTensorsError) {
        let json: (any Encodable) -> String = { value in
            let e = JSONEncoder(); e.outputFormatting = .sortedKeys
            return String(decoding: (try? e.encode(value)) ?? Data(), as: UTF8.self)
        }
        var w = SafeTensorsWriter(metadata: [
            "format": Self.format, "version": Self.version,
            "head": json(head), "classes": json(classNames),
            "backbone_weights_digest": backbone.weightsDigest, "backbone_features_digest": backbone.featuresDigest,
            "image_size": String(backbone.imageSize), "layers": backbone.layers.map(String.init).joined(separator: ","),
            "backbone_weights": backbone.weights, "preprocess": backbone.preprocess.rawValue,
            "feature_dtype": backbone.featureDType.rawValue,
            "smoothing_sigma": smoothingSigma.map { "\($0)" } ?? "0",
            "config_digest": provenance.configDigest, "seed": String(provenance.seed), "step": String(provenance.step),
            "train_sites": json(provenance.trainSites), "run_name": provenance.runName, "config": config,
            "memory_dtype": memoryAsFloat16 ? "F16" : "F32",
        ])
        w.checksummed = true
        try w.add(parameters, prefix: "param.")
        try w.add("bank.T0", bank.t0)
        try w.add("bank.Pt", bank.pt)
        try w.add("bank.Ft", bank.ft)
        try w.add("bank.Lt", bank.lt)
        try w.add("bank.source", shape: [bank.source.count], int32: bank.source)
        for (l, m) in zip(head.layers, normalMemory) {
            if memoryAsFloat16 { try w.add("memory.\(l)", float16: m) } else { try w.add("memory.\(l)", m) }
        }
        try w.write(to: url)
    }

    // MARK: Reading

    /// Reads and checks a model file: format, version, checksum, every tensor present and
    /// of the shape the head implies. Every error names the file (and the tensor or key).
    public static func read(from url: URL) throws(CheckpointError) -> ModelFile {
        let file = url.path
        let r: SafeTensorsReader
        do { r = try SafeTensorsReader(contentsOf: url) } catch { throw .file(error) }
        guard r.metadata["format"] == format else {
            throw .invalid(file: file, "not an UltraAD model file (metadata format is \(r.metadata["format"].map { "\"\($0)\"" } ?? "missing"), expected \"\(format)\")")
        }
        guard r.metadata["version"] == version else {
            throw .invalid(file: file, "model file version \(r.metadata["version"] ?? "missing") is not supported (this build reads version \(version))")
        }
        guard r.metadata[SafeTensorsWriter.checksumKey] != nil else { throw .invalid(file: file, "metadata \(SafeTensorsWriter.checksumKey) is missing") }
        func meta(_ key: String) throws(CheckpointError) -> String {
            guard let v = r.metadata[key] else { throw .invalid(file: file, "metadata \(key) is missing") }
            return v
        }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws(CheckpointError) -> T {
            let text = try meta(key)
            guard let v = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
                throw .invalid(file: file, "metadata \(key) is not valid (\(text.prefix(80)))")
            }
            return v
        }
        func number<T: LosslessStringConvertible>(_ key: String) throws(CheckpointError) -> T {
            guard let v = T(try meta(key)) else { throw .invalid(file: file, "metadata \(key) is not a number") }
            return v
        }
        func tensor(_ name: String, _ shape: [Int?]) throws(CheckpointError) -> Tensor {
            guard r.contains(name) else { throw .invalid(file: file, "tensor \(name) is missing") }
            let t: Tensor
            do { t = try r.tensor(name) } catch { throw .file(error) }
            guard t.shape.count == shape.count, zip(t.shape, shape).allSatisfy({ $1 == nil || $0 == $1 }) else {
                throw .invalid(file: file, "tensor \(name) has shape \(t.shape), expected \(shape.map { $0.map(String.init) ?? "any" })")
            }
            return t
        }
        let head = try decode(HeadConfig.self, "head")
        let classNames = try decode([String].self, "classes")
        guard classNames.count == head.classes else {
            throw .invalid(file: file, "metadata classes lists \(classNames.count) classes, the head has \(head.classes)")
        }
        // Every parameter is a tensor of this file, of 2 bytes a value at the least (F16,
        // BF16): the head's sizes are trusted as far as the file's bytes hold them.
        if let problem = ParameterLayout.problem(head: head, limit: r.dataSize / 2) {
            throw .invalid(file: file, "metadata head: \(problem)")
        }
        var parameters = ParameterSet(zeros: ParameterLayout(head: head))
        for e in parameters.layout.entries { parameters.set(e.name, try tensor("param." + e.name, e.shape)) }
        let d = head.jointDim, c = head.classes
        let ft = try tensor("bank.Ft", [nil, d])
        let n = ft.shape[0]
        guard r.contains("bank.source") else { throw .invalid(file: file, "tensor bank.source is missing") }
        let source: [Int32]
        do { source = try r.int32Tensor("bank.source").values } catch { throw .file(error) }
        guard source.count == n else { throw .invalid(file: file, "tensor bank.source has \(source.count) entries, bank.Ft \(n) rows") }
        let bank = MemoryBank(t0: try tensor("bank.T0", [2, d]), pt: try tensor("bank.Pt", [c, d]), ft: ft,
                              lt: try tensor("bank.Lt", [n, c]), source: source)
        let memory = try head.layers.map { l throws(CheckpointError) in try tensor("memory.\(l)", [nil, d]) }
        let layers = try meta("layers").split(separator: ",").compactMap { Int($0) }
        guard layers == head.layers else { throw .invalid(file: file, "metadata layers \(layers) differ from the head's \(head.layers)") }
        let sigma: Float = try number("smoothing_sigma")
        guard sigma >= 0, sigma <= GaussianFilter.maxSigma else {
            throw .invalid(file: file, "metadata smoothing_sigma is \(sigma), not in 0...\(GaussianFilter.maxSigma)")
        }
        guard let preprocess = ImagePreprocess(rawValue: try meta("preprocess")) else {
            throw .invalid(file: file, "metadata preprocess is \"\(try meta("preprocess"))\", not squash or crop")
        }
        // Model files written before the choice existed hold float32 features' models.
        let dtypeText = r.metadata["feature_dtype"] ?? FeatureDType.float32.rawValue
        guard let featureDType = FeatureDType(rawValue: dtypeText) else {
            throw .invalid(file: file, "metadata feature_dtype is \"\(dtypeText)\", not float32 or float16")
        }
        return ModelFile(head: head, parameters: parameters, bank: bank, normalMemory: memory, classNames: classNames,
                         backbone: Backbone(weightsDigest: try meta("backbone_weights_digest"),
                                            featuresDigest: try meta("backbone_features_digest"),
                                            imageSize: try number("image_size"), layers: layers, weights: try meta("backbone_weights"),
                                            preprocess: preprocess, featureDType: featureDType),
                         smoothingSigma: sigma > 0 ? sigma : nil,
                         provenance: Provenance(configDigest: try meta("config_digest"), seed: try number("seed"),
                                                step: try number("step"), trainSites: try decode([String].self, "train_sites"),
                                                runName: try meta("run_name")),
                         config: try meta("config"))
    }
}
