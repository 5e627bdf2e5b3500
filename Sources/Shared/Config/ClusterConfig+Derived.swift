import Foundation

extension ClusterConfig {
    /// A digest of the effective configuration: FNV-1a 64 (hex) of its sorted-key JSON.
    /// Every setting counts, including the resolved absolute paths.
    public var digest: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return fnv1aDigest((try? encoder.encode(self)) ?? Data())
    }

    /// The head's sizes from the backbone, with the model settings' rank, classes,
    /// temperature and leaky slope.
    public func headConfig(jointDim: Int, visionWidth: Int, layers: [Int]) -> HeadConfig {
        var head = HeadConfig(jointDim: jointDim, visionWidth: visionWidth, layers: layers,
                              adapterRank: model.adapterRank, classes: model.classes.count)
        head.temperature = Float(model.temperature)
        head.leakySlope = Float(model.leakySlope)
        return head
    }

    /// AdamW's settings from `train`.
    public var adamWSettings: AdamW.Settings {
        var s = AdamW.Settings()
        s.learningRate = Float(train.learningRate)
        s.beta1 = Float(train.beta1)
        s.beta2 = Float(train.beta2)
        s.epsilon = Float(train.epsilon)
        s.weightDecay = Float(train.weightDecay)
        return s
    }
}
