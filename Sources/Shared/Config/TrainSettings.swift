extension ClusterConfig {
    /// `train:` episodes, chunks, AdamW and how often to checkpoint and log.
    public struct TrainSettings: Equatable, Sendable, Codable {
        /// Optimizer steps (0: evaluate the zero-shot head).
        public var steps: Int
        /// Query images per class in one episode (q).
        public var queriesPerClass: Int
        /// Queries per chunk: the unit of work of a worker.
        public var chunkSize: Int
        public var learningRate: Double
        /// AdamW's (beta1, beta2), written `betas: [b1, b2]`.
        public var beta1: Double
        public var beta2: Double
        /// AdamW's epsilon, written `eps`.
        public var epsilon: Double
        public var weightDecay: Double
        /// Steps between checkpoints; 0: only the final one.
        public var checkpointEvery: Int
        /// Where stderr is not a terminal (a SLURM job's output file), the progress line is
        /// logged this often and at the last step; a terminal shows it redrawn in place.
        /// metrics.jsonl gets every step either way.
        public var logEvery: ConfigDuration

        public init(steps: Int = 300, queriesPerClass: Int = 2, chunkSize: Int = 2,
                    learningRate: Double = 1e-3, beta1: Double = 0.5, beta2: Double = 0.999,
                    epsilon: Double = 1e-8, weightDecay: Double = 0,
                    checkpointEvery: Int = 50, logEvery: ConfigDuration = .seconds(30)) {
            self.steps = steps; self.queriesPerClass = queriesPerClass; self.chunkSize = chunkSize
            self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
            self.epsilon = epsilon; self.weightDecay = weightDecay
            self.checkpointEvery = checkpointEvery; self.logEvery = logEvery
        }
    }
}
