import Foundation
import Shared

/// What `bench scale` trains: the ViT-L/14@336 head and a pool of random ViT-L-sized views
/// (one per image, two classes), and what its ideal step time is made of.
struct ScaleProblem {
    static let head = HeadConfig(jointDim: 768, visionWidth: 1024, layers: [6, 12, 18, 24], classes: 2)
    static let patches = 576
    static let maskSide = 336

    let poolViews: Int
    let queriesPerClass: Int
    let chunkSize: Int

    /// The chunks of an episode.
    var chunks: Int { (2 * queriesPerClass + chunkSize - 1) / chunkSize }

    /// One parameter vector (and one gradient) as floats on the wire.
    var parameterBytes: Int { ParameterLayout(head: Self.head).totalCount * 4 }

    func writePool(to url: URL) throws {
        let (_, _, chunk) = HeadBenchmark.problem(config: Self.head, patches: Self.patches, maskSide: Self.maskSide,
                                                  queries: poolViews, bankSize: 16, seed: 3)
        let images = chunk.queries.enumerated().map { i, q in
            SupportPool.Image(id: Int32(i), label: i % 2, views: [q.features], masks: [q.mask])
        }
        var rng = SplitMix64(seed: 4)
        let text = Tensor(shape: [2, 768], data: (0..<1536).map { _ in rng.nextNormal() })
        let pool = PreparedPool(pool: SupportPool(images: images), t0: text, pt: text, layers: Self.head.layers)
        try pool.write(to: url)
    }

    /// The compute time of the slowest of `hosts` workers: the step's blocks (as the
    /// coordinator splits them) dealt out in turn, `ms` per chunk that is not padding.
    func compute(hosts: Int, ms: Double) -> Double {
        let blocks = StepState(step: 0, chunks: Array(repeating: [], count: chunks), workers: hosts, now: Date()).pending
        var load = [Int](repeating: 0, count: hosts)
        for (i, b) in blocks.enumerated() { load[i % hosts] += min(b.start + b.count, chunks) - b.start }
        return Double(load.max() ?? 0) * ms / 1000
    }
}
