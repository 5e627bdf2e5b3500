import Foundation
import Shared

/// One optimizer step in progress: its chunks, the blocks still to compute, and the
/// reduction tree the returned block sums fill.
struct StepState {
    let step: Int
    let chunks: [[QueryRef]]
    var tree: ReductionTree
    var pending: [Block]
    /// Blocks the step was split into (requeued halves not counted).
    let blocks: Int
    /// Query features shipped with this step's tasks (workers keep them for later steps).
    var featuresSent = 0
    /// Query views workers were told to read from the pool themselves.
    var featuresRead = 0
    /// Query views workers were told to fetch from a member of the relay round.
    var featuresRelayed = 0
    /// Queries whose view the computing worker held, and those it read from the pool (GRAD).
    var featureHits = 0
    var featureMisses = 0
    var queries = 0
    var loss = LossParts()
    var computeSeconds = 0.0
    /// The longest single block computation: the step's critical path through the workers.
    var criticalComputeSeconds = 0.0
    let started: Date
    /// The step's relay round, when it goes through the relay.
    var relay: RelayRound?

    /// Every block computed and the gradient sum formed.
    var isComplete: Bool { relay?.isComplete ?? tree.isComplete }

    /// Splits the step's chunks into aligned blocks for `workers` workers: the largest
    /// power-of-two block size that still gives every worker a block. Blocks that hold
    /// only padding (past the last chunk) are not computed at all.
    init(step: Int, chunks: [[QueryRef]], workers: Int, now: Date) {
        self.step = step
        self.chunks = chunks
        tree = ReductionTree(leafCount: chunks.count)
        var size = 1
        while size * 2 <= tree.width / max(1, workers) { size *= 2 }
        pending = stride(from: 0, to: tree.width, by: size)
            .filter { $0 < chunks.count }
            .map { Block(start: $0, count: size) }
        blocks = pending.count
        started = now
    }

    /// The chunk lists of a block, with empty lists for padding.
    func chunkLists(_ block: Block) -> [[QueryRef]] {
        (block.start..<(block.start + block.count)).map { $0 < chunks.count ? chunks[$0] : [] }
    }

    /// Adds a computed block's figures (GRAD) to the step's.
    mutating func count(_ g: GradPayload) {
        queries += Int(g.queries)
        featureHits += Int(g.featureHits)
        featureMisses += Int(g.featureMisses)
        loss = loss + g.loss
        computeSeconds += g.computeSeconds
        criticalComputeSeconds = max(criticalComputeSeconds, g.computeSeconds)
    }

    /// Puts a block back (a worker died or failed): as its aligned halves, so two idle
    /// workers can share it; halves that are all padding are dropped.
    mutating func requeue(_ block: Block) {
        pending.insert(contentsOf: block.halves.filter { $0.start < chunks.count }, at: 0)
    }
}
