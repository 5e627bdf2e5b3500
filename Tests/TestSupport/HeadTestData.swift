import Shared
import XCTest

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

/// Finite differences for every tensor of `params`: a directional derivative along a random
/// unit direction per tensor, central differences at eps = 3e-3, against the analytic
/// gradient (HeadGradientTests explains the tolerance). `nonZero`: also require every
/// tensor's gradient to be non-zero somewhere.
func assertHeadGradients(_ c: HeadConfig, _ params: ParameterSet, bank: MemoryBank, chunk: ChunkInput, nonZero: Bool = false,
                         _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
    let q = chunk.queries.count
    func loss(_ p: ParameterSet) -> Double {
        UltraADHead.lossAndGradient(parameters: p, config: c, bank: bank, chunk: chunk, scale: 1 / Float(q)).0.total / Double(q)
    }
    let (parts, grads) = UltraADHead.lossAndGradient(parameters: params, config: c, bank: bank, chunk: chunk, scale: 1 / Float(q))
    XCTAssertTrue(parts.total.isFinite, what, file: file, line: line)
    var rng = SplitMix64(seed: 17)
    let eps: Float = 3e-3
    for e in params.layout.entries {
        var dir = (0..<e.count).map { _ in rng.nextNormal() }
        let norm = dir.reduce(0) { $0 + $1 * $1 }.squareRoot()
        dir = dir.map { $0 / norm }
        var plus = params, minus = params
        for i in 0..<e.count {
            plus.values[e.offset + i] += eps * dir[i]
            minus.values[e.offset + i] -= eps * dir[i]
        }
        let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
        var analytic = 0.0
        for i in 0..<e.count { analytic += Double(grads.values[e.offset + i]) * Double(dir[i]) }
        XCTAssertEqual(analytic, numeric, accuracy: 1e-3 + 2e-3 * abs(numeric),
                       "\(what) \(e.name): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
        if nonZero {
            let peak = grads.values[e.offset..<(e.offset + e.count)].map(abs).max() ?? 0
            XCTAssertGreaterThan(peak, 0, "\(what): \(e.name) has an all-zero gradient", file: file, line: line)
        }
    }
}
