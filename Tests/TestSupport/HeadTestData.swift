import Shared

/// Small random head problems for tests: sizes chosen so that every branch is exercised
/// (odd patch grid, mask size not a multiple of it, a query whose image is in the bank).
enum HeadTestData {
    static let config = HeadConfig(jointDim: 16, visionWidth: 24, layers: [1, 3], adapterRank: 4)

    static func normals(_ shape: [Int], _ rng: inout SplitMix64, std: Float = 1) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() * std })
    }

    /// Every parameter drawn non-zero, so no branch hides behind a zero init.
    static func randomParameters(_ c: HeadConfig, seed: UInt64) -> ParameterSet {
        var rng = SplitMix64(seed: seed)
        var p = ParameterSet(zeros: ParameterLayout(head: c))
        for e in p.layout.entries {
            let fanIn = e.shape.count == 2 ? e.shape[0] : 4
            p.set(e.name, normals(e.shape, &rng, std: 0.6 / Float(fanIn).squareRoot()))
        }
        if c.keeps(.memoryBank) {
            p.values[p.offset("cache.log_alpha")] = 0.3
            p.values[p.offset("cache.log_beta")] = 1.2
        }
        return p
    }

    static func bank(_ c: HeadConfig, seed: UInt64) -> MemoryBank {
        var rng = SplitMix64(seed: seed)
        let n = 6
        var lt = Tensor(zeros: [n, c.classes])
        for j in 0..<n { lt[j, j % c.classes] = 1 }
        return MemoryBank(t0: normals([2, c.jointDim], &rng), pt: normals([c.classes, c.jointDim], &rng),
                          ft: normals([n, c.jointDim], &rng), lt: lt,
                          source: (0..<n).map { Int32($0 / 2) })
    }

    static func chunk(_ c: HeadConfig, seed: UInt64, grid: Int = 3, maskSide: Int = 7) -> ChunkInput {
        var rng = SplitMix64(seed: seed)
        let p = grid * grid
        let labels = [0, 1, 2]
        let queries = labels.enumerated().map { (i, label) -> ChunkInput.Query in
            var mask = Tensor(zeros: [maskSide, maskSide])
            if label > 0 {
                for y in 1..<(maskSide / 2 + 2) { for x in 2..<(maskSide - 1) { mask[y, x] = 1 } }
            }
            let u = c.layers.map { _ in normals([p, c.visionWidth], &rng) }
            // Patch tokens share a common component, as CLIP's do; centring removes it.
            let z0 = c.layers.map { _ in normals([p, c.jointDim], &rng).addingRowVector(normals([c.jointDim], &rng)) }
            return ChunkInput.Query(features: ImageFeatures(g: normals([c.jointDim], &rng), u: u, z0: z0), mask: mask,
                                    label: label, source: Int32([1, 7, 2][i]))
        }
        return ChunkInput(queries: queries)
    }
}
