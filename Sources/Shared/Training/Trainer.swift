/// One training step's outcome: the mean loss parts over the episode's queries.
public struct StepReport: Sendable, Codable, Equatable {
    public var step: Int
    public var queries: Int
    public var chunks: Int
    public var loss: LossParts
}

/// Training in one process: the reference the distributed runtime must equal bit for bit.
/// Each step samples an episode, computes each chunk's gradient sum, reduces the chunks by
/// the fixed tree, divides by the query count and takes one AdamW step.
public struct InProcessTrainer: Sendable {
    public let config: HeadConfig
    public let bank: MemoryBank
    public let pool: SupportPool
    public let sampler: EpisodeSampler
    public private(set) var parameters: ParameterSet
    public private(set) var optimizer: AdamW

    public init(config: HeadConfig, bank: MemoryBank, pool: SupportPool, sampler: EpisodeSampler,
                parameters: ParameterSet, optimizer: AdamW) throws(ModelError) {
        try pool.validate(classes: config.classes)
        try bank.validate(for: config)
        self.config = config; self.bank = bank; self.pool = pool; self.sampler = sampler
        self.parameters = parameters; self.optimizer = optimizer
    }

    /// Steps taken so far (the optimizer's count).
    public var step: Int { optimizer.step }

    public mutating func trainStep() -> StepReport {
        let step = optimizer.step
        let chunks = sampler.chunks(step: step, pool: pool, classes: config.classes)
        let head = UltraADHead.Prepared(parameters: parameters, config: config, bank: bank)
        let (sum, queries, parts) = head.blockGradient(chunks: chunks.map { EpisodeSampler.input($0, pool: pool) })
        optimizer.update(&parameters, gradientSum: sum, divisor: Float(queries))
        return StepReport(step: step + 1, queries: queries, chunks: chunks.count, loss: parts.mean(over: queries))
    }
}

