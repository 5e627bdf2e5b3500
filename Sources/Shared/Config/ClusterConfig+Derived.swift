import Foundation

extension ClusterConfig {
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

extension ClusterConfig.ModelSettings {
    /// The head of these settings (rank, temperature, leaky slope, ablations) for a backbone's sizes;
    /// `classes` nil: as many as `classes` names (a prepared pool says its own count).
    public func headConfig(jointDim: Int, visionWidth: Int, layers: [Int], classes: Int? = nil) -> HeadConfig {
        var head = HeadConfig(jointDim: jointDim, visionWidth: visionWidth, layers: layers,
                              adapterRank: adapterRank, classes: classes ?? self.classes.count)
        head.temperature = Float(temperature)
        head.leakySlope = Float(leakySlope)
        head.ablate = ablate
        return head
    }
}
