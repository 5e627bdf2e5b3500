import Foundation

/// Synthetic inputs at real sizes and the FLOP count of the head's matrix products, for
/// `ultraad bench head` and `scripts/bench/head_vs_torch`.
public enum HeadBenchmark {
    /// GEMM FLOPs of one query's forward and backward (the adapters dominate: per layer
    /// 4 P D r for U W1 and dW1, 6 P r d for A1 W2, dA1 and dW2; plus the small products
    /// with the two prompts and the classifier).
    public static func gemmFLOPs(config c: HeadConfig, patches p: Int, bankSize n: Int) -> Double {
        let P = Double(p), D = Double(c.visionWidth), d = Double(c.jointDim), r = Double(c.adapterRank)
        let perLayer = 4 * P * D * r + 6 * P * r * d + 9 * 4 * P * d
        let fuse = 4 * 2 * d * d + 2 * 2 * 2 * d * d          // bt, pw; dWq, dWo, dp terms
        let mini = Double(c.miniHidden)
        let classifier = 2 * 2 * d * mini * 3 + 2 * 2 * Double(n) * d  // query mini-net, cosines
        let bankMini = 2 * 2 * Double(n) * d * mini * 3                  // per chunk, shared
        return Double(c.layers.count) * perLayer + fuse + classifier + bankMini / 2
    }

    /// A chunk of `queries` random queries with blob masks, a bank of `bankSize` entries
    /// and non-zero random parameters, all from `seed`.
    public static func problem(config c: HeadConfig, patches: Int, maskSide: Int, queries: Int,
                               bankSize: Int, seed: UInt64) -> (ParameterSet, MemoryBank, ChunkInput) {
        var rng = SplitMix64(seed: seed)
        func normals(_ shape: [Int], std: Float = 1) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() * std })
        }
        var params = ParameterSet(zeros: ParameterLayout(head: c))
        for e in params.layout.entries {
            let fanIn = e.shape.count == 2 ? e.shape[0] : 16
            params.set(e.name, normals(e.shape, std: 0.5 / Float(fanIn).squareRoot()))
        }
        var lt = Tensor(zeros: [bankSize, c.classes])
        for j in 0..<bankSize { lt[j, j % c.classes] = 1 }
        let bank = MemoryBank(t0: normals([2, c.jointDim]), pt: normals([c.classes, c.jointDim]),
                              ft: normals([bankSize, c.jointDim]), lt: lt,
                              source: (0..<bankSize).map { Int32($0 / 5) })
        let qs = (0..<queries).map { q -> ChunkInput.Query in
            var mask = Tensor(zeros: [maskSide, maskSide])
            let label = q % c.classes
            if label > 0 {
                let r = maskSide / 6, cy = maskSide / 2, cx = maskSide / 3 + q
                for y in 0..<maskSide { for x in 0..<maskSide where (y - cy) * (y - cy) + (x - cx) * (x - cx) < r * r {
                    mask[y, x] = 1
                } }
            }
            let f = ImageFeatures(g: normals([c.jointDim]),
                                  u: c.layers.map { _ in normals([patches, c.visionWidth]) },
                                  z0: c.layers.map { _ in normals([patches, c.jointDim]) })
            return ChunkInput.Query(features: f, mask: mask, label: label, source: Int32(q))
        }
        return (params, bank, ChunkInput(queries: qs))
    }
}
