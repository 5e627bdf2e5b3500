/// What the head says about one image at inference (docs/METHOD.md, "Inference and metrics").
public struct HeadPrediction: Sendable {
    /// Final anomaly map at the requested size, after the Gaussian filter: [H, W].
    public var map: Tensor
    /// The same before the filter: [H, W].
    public var rawMap: Tensor
    /// Detection probability y_det.
    public var detection: Float
    /// Image anomaly score: 0.5 y_det + 0.5 max(map).
    public var score: Float
    /// Class probabilities softmax(logits) with the full bank: [C].
    public var probabilities: [Float]
}

/// The trained head in inference mode: parameters, the bank, and optionally a few-shot
/// memory of refined patch tokens of normal support views.
public struct HeadInference: Sendable {
    public let config: HeadConfig
    let weights: HeadWeights
    let bank: MemoryBank
    let keys: BankKeys
    /// Per layer: [M, d] refined patch tokens zt of the normal support views (or empty).
    public let normalMemory: [Tensor]
    public let smoothing: GaussianFilter?

    public init(parameters: ParameterSet, config: HeadConfig, bank: MemoryBank,
                normalSupport: [ImageFeatures] = [], smoothingSigma: Float? = 4) {
        let w = HeadWeights(parameters, config)
        // Each support view's patches are refined with its own image-informed prompts.
        var memory = [[Float]](repeating: [], count: config.layers.count)
        for view in normalSupport {
            let branches = Self.branches(view, w: w, bank: bank, config: config).branches
            for (li, b) in branches.enumerated() { memory[li].append(contentsOf: b.zt.data) }
        }
        self.init(weights: w, config: config, bank: bank, smoothingSigma: smoothingSigma,
                  normalMemory: memory.map { Tensor(shape: [$0.count / config.jointDim, config.jointDim], data: $0) })
    }

    /// With the normal-patch memory given (a model file stores it): per layer [M, d].
    public init(parameters: ParameterSet, config: HeadConfig, bank: MemoryBank, normalMemory: [Tensor], smoothingSigma: Float?) {
        self.init(weights: HeadWeights(parameters, config), config: config, bank: bank, smoothingSigma: smoothingSigma,
                  normalMemory: normalMemory)
    }

    private init(weights w: HeadWeights, config: HeadConfig, bank: MemoryBank, smoothingSigma: Float?, normalMemory: [Tensor]) {
        self.config = config
        weights = w
        self.bank = bank
        keys = BankKeys(bank: bank, w: w)
        smoothing = smoothingSigma.map { GaussianFilter(sigma: $0) }
        self.normalMemory = normalMemory
    }

    static func branches(_ f: ImageFeatures, w: HeadWeights, bank: MemoryBank, config c: HeadConfig)
        -> (gh: Tensor, prompts: Prompts, branches: [PatchBranch]) {
        let gh = f.g.reshaped([1, c.jointDim]).l2NormalizedRows().0
        let prompts = Prompts(gh: gh, bank: bank, w: w)
        let ctx = PatchBranch.Context(prompts: prompts.p, w: w, config: c)
        let branches = c.layers.indices.map { li in
            PatchBranch(u: f.u[li].tensor, z0: f.z0[li].tensor, layer: li, w: w, slope: c.leakySlope, ctx: ctx)
        }
        return (gh, prompts, branches)
    }

    /// Predicts the map at `size` (the mask or image resolution), the score and classes.
    public func predict(_ f: ImageFeatures, size: (height: Int, width: Int)) -> HeadPrediction {
        let c = config, w = weights
        let (gh, prompts, branches) = Self.branches(f, w: w, bank: bank, config: c)
        let patches = branches[0].map.count
        let layers = Float(c.layers.count)
        // Mean over layers at the patch grid; upsampling is linear, so upsampling the mean
        // equals the mean of the upsampled maps.
        var mapMean = [Float](repeating: 0, count: patches)
        var memoryMean = [Float](repeating: 0, count: patches)
        let useMemory = normalMemory.allSatisfy { $0.shape[0] > 0 } && !normalMemory.isEmpty
        for (li, b) in branches.enumerated() {
            for i in 0..<patches { mapMean[i] += b.map[i] / layers }
            if useMemory {
                // F_l(i) = min_j (1 - zt_i . mem_j) / 2
                let sim = b.zt.matmul(normalMemory[li], transposeOther: true)   // [P, M]
                let m = sim.rowLength
                for i in 0..<patches {
                    var best = -Float.infinity
                    for j in 0..<m { best = max(best, sim.data[i * m + j]) }
                    memoryMean[i] += (1 - best) / 2 / layers
                }
            }
        }
        let combined = useMemory ? zip(mapMean, memoryMean).map { 0.5 * $0 + 0.5 * $1 } : mapMean
        let side = Int(Double(patches).squareRoot().rounded())
        let raw = BilinearResize(from: (side, side), to: size)
            .forward(Tensor(shape: [side, side], data: combined))
        let map = smoothing?.apply(raw) ?? raw
        let det = Detection(gh: gh, p: prompts.p, temperature: c.temperature)
        let cls = Classification(gh: gh, keys: keys, bank: bank, w: w,
                                 logitScale: c.logitScale, excludeSource: nil)
        let probs = softmax(cls.logits).probs
        let peak = map.data.max() ?? 0
        return HeadPrediction(map: map, rawMap: raw, detection: det.probability,
                              score: 0.5 * det.probability + 0.5 * peak, probabilities: probs)
    }
}
