/// Sizes and FLOP counts for `ultraad bench clip`.
public enum CLIPBenchmark {
    /// Random image-tower configurations of released CLIP ViTs (QuickGELU), for
    /// `--weights random:NAME`.
    public static let randomConfigs: [String: CLIPVisionConfig] = [
        "ViT-B-16": CLIPVisionConfig(width: 768, layers: 12, heads: 12, patchSize: 16, imageSize: 224,
                                     mlpWidth: 3072, projectionDim: 512, activation: .quickGelu),
        "ViT-L-14": CLIPVisionConfig(width: 1024, layers: 24, heads: 16, patchSize: 14, imageSize: 224,
                                     mlpWidth: 4096, projectionDim: 768, activation: .quickGelu),
        "ViT-L-14-336": CLIPVisionConfig(width: 1024, layers: 24, heads: 16, patchSize: 14, imageSize: 336,
                                         mlpWidth: 4096, projectionDim: 768, activation: .quickGelu),
    ]

    /// Seeded random image-tower weights of a configuration from `randomConfigs`.
    public static func randomVision(_ config: CLIPVisionConfig, seed: UInt64 = 1) -> CLIPVisionWeights {
        var rng = SplitMix64(seed: seed)
        return CLIPBuiltin.randomVision(config, &rng)
    }

    /// Matrix-product FLOPs of one image through the image tower at `grid` x `grid`
    /// (patch embedding, per block q/k/v, scores, weighted values, output, MLP, and the
    /// projection of g; elementwise work is not counted).
    public static func imageFLOPs(_ c: CLIPVisionConfig, grid: Int) -> Double {
        let p = Double(grid * grid), t = p + 1, d = Double(c.width), m = Double(c.mlpWidth)
        let patch = 2 * p * Double(3 * c.patchSize * c.patchSize) * d
        let block = 2 * t * d * (3 * d + d + 2 * m) + 4 * t * t * d
        return patch + Double(c.layers) * block + 2 * d * Double(c.projectionDim)
    }

    /// Float32 bytes of the image tower's weights.
    public static func weightBytes(_ w: CLIPVisionWeights) -> Int {
        var n = w.patchEmbedding.count + w.classEmbedding.count + w.positionEmbedding.count + w.projection.count
        n += 2 * (w.lnPre.gamma.count + w.lnPost.gamma.count)
        for b in w.blocks {
            n += 2 * (b.ln1.gamma.count + b.ln2.gamma.count)
            for l in [b.attentionIn, b.attentionOut, b.fc, b.proj] { n += l.weight.count + l.bias.count }
        }
        return 4 * n
    }
}
