import ArgumentParser
import Foundation
import Shared

/// Flags that override the training settings of cluster.yaml, each a key of its own; the
/// defaults shown are the schema's (ClusterConfig), written once.
struct TrainingOptions: ParsableArguments {
    private static let d = ClusterConfig.TrainSettings()

    @Option(help: ArgumentHelp("Optimizer steps in total (train.steps; default \(d.steps)).")) var steps: Int?
    @Option(help: ArgumentHelp("Seed of the shots, the initial parameters and the episodes (run.seed; default \(ClusterConfig.RunSettings.defaultSeed)).")) var seed: UInt64?
    @Option(help: ArgumentHelp("Queries per class in each episode (train.queries_per_class; default \(d.queriesPerClass)).")) var queriesPerClass: Int?
    @Option(help: ArgumentHelp("Queries per chunk (train.chunk_size; default \(d.chunkSize)).")) var chunkSize: Int?
    @Option(help: ArgumentHelp("AdamW learning rate (train.learning_rate; default \(d.learningRate)).")) var learningRate: Double?
    @Option(help: ArgumentHelp("Rank r of each patch adapter (model.adapter_rank; default \(ClusterConfig.ModelSettings().adapterRank)).")) var adapterRank: Int?
    @Option(help: ArgumentHelp("Write a checkpoint every this many steps, 0 only at the end (train.checkpoint_every; default \(d.checkpointEvery)).")) var checkpointEvery: Int?

    /// The flags given, written over `c`; the result is validated as a whole afterwards.
    func apply(to c: inout ClusterConfig) {
        if let steps { c.train.steps = steps }
        if let seed { c.run.seed = seed }
        if let queriesPerClass { c.train.queriesPerClass = queriesPerClass }
        if let chunkSize { c.train.chunkSize = chunkSize }
        if let learningRate { c.train.learningRate = learningRate }
        if let adapterRank { c.model.adapterRank = adapterRank }
        if let checkpointEvery { c.train.checkpointEvery = checkpointEvery }
    }
}
