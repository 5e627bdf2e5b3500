import Foundation
import Shared

/// `export`: a run's trained model as one file (`ModelFile`).
enum ExportRun {
    /// Exports the run's latest checkpoint (or `checkpoint`) with its pool's bank and
    /// normal-patch memory. Returns the model and the file's size in bytes.
    static func execute(_ config: ClusterConfig, checkpoint: URL?, to out: URL, memoryAsFloat16: Bool = false) throws -> (model: ModelFile, bytes: Int) {
        let poolURL = config.run.folder.appendingPathComponent("pool.safetensors")
        guard FileManager.default.fileExists(atPath: poolURL.path) else {
            throw CoordinatorError.run("\(poolURL.path) does not exist: prepare and train this config first (`ultraad run`)")
        }
        let prepared = try PreparedPool.read(from: poolURL, cache: FeatureCache(root: config.fewShot.cache),
                                             featureDType: config.fewShot.featureDType)
        guard let head = prepared.headConfig(model: config.model) else {
            throw CoordinatorError.run("\(poolURL.path): the pool holds no support views")
        }
        let folder = try RunFolder(config.run.folder)
        guard let url = checkpoint ?? folder.latestCheckpoint() else {
            throw CoordinatorError.run("\(folder.checkpoints.path) holds no checkpoint: train this config first (`ultraad train`)")
        }
        let read = try Checkpoint.read(from: url, layout: ParameterLayout(head: head), settings: config.adamWSettings)
        let sigma = config.eval.smoothingSigma > 0 ? Float(config.eval.smoothingSigma) : nil
        let normals = config.eval.fewShotMemory ? prepared.pool.images.filter { $0.label == 0 }.flatMap(\.views) : []
        let inference = HeadInference(parameters: read.parameters, config: head, bank: prepared.bank, normalSupport: normals,
                                      smoothingSigma: sigma)
        let clip = try CLIPModel.load(config.backbone.weights.description)
        let weights = try WeightsDigest.of(config.backbone.weights.description, memo: FeatureCache.weightsMemo(root: config.fewShot.cache))
        let extractor = try FrozenFeatureExtractor(model: clip, imageSize: config.backbone.imageSize, layers: config.backbone.layers,
                                                   weightsDigest: weights, preprocess: config.backbone.preprocess,
                                                   featureDType: config.fewShot.featureDType)
        let model = ModelFile(head: head, parameters: read.parameters, bank: prepared.bank, normalMemory: inference.normalMemory,
                              classNames: config.model.classes,
                              backbone: .init(weightsDigest: weights, featuresDigest: extractor.digest, imageSize: extractor.imageSize,
                                              layers: extractor.layers, weights: config.backbone.weights.description,
                                              preprocess: extractor.preprocess, featureDType: extractor.featureDType),
                              smoothingSigma: sigma,
                              provenance: .init(configDigest: config.digest, seed: config.run.seed, step: read.optimizer.step,
                                                trainSites: config.trainSites, runName: config.run.name),
                              config: config.yamlText)
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try model.write(to: out, memoryAsFloat16: memoryAsFloat16)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
        return (model, bytes)
    }
}
