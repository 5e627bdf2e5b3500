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

    /// Matrix-product FLOPs of one image through the image tower at `grid` x `grid`, per
    /// phase: patch embedding, per block q/k/v, scores and weighted values, output, MLP,
    /// and the projection of g and of each of `outputLayers`' U (Z0). Elementwise work is
    /// not counted, so its phases are absent.
    public static func phaseFLOPs(_ c: CLIPVisionConfig, grid: Int, outputLayers: Int = 0) -> [EncoderProfile.Phase: Double] {
        let p = Double(grid * grid), t = p + 1, d = Double(c.width), m = Double(c.mlpWidth)
        let l = Double(c.layers), dim = Double(c.projectionDim)
        return [.patchEmbedding: 2 * p * Double(3 * c.patchSize * c.patchSize) * d,
                .qkv: l * 2 * t * d * 3 * d, .attention: l * 4 * t * t * d, .attentionOut: l * 2 * t * d * d,
                .fc: l * 2 * t * d * m, .mlpOut: l * 2 * t * m * d,
                .outputs: 2 * d * dim * (1 + Double(outputLayers) * p)]
    }

    /// The sum of `phaseFLOPs`.
    public static func imageFLOPs(_ c: CLIPVisionConfig, grid: Int, outputLayers: Int = 0) -> Double {
        phaseFLOPs(c, grid: grid, outputLayers: outputLayers).values.reduce(0, +)
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
