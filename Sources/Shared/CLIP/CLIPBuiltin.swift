/// `builtin:tiny`: a small CLIP ViT with seeded random weights, so that everything runs
/// with no download. It is NOT a pretrained model: its features carry no meaning beyond
/// being a fixed, deterministic function of the input.
///
/// Image tower: D = 192, 6 blocks, 3 heads, patch 16, 224 px (14 x 14 grid), MLP 768.
/// Text tower: W = 128, 4 blocks, 2 heads, context 77, vocabulary 514 (the byte-level
/// vocabulary of `BPEVocabulary.byteLevel()`), MLP 512. Joint dimension d = 128.
/// QuickGELU. Weights are drawn from `SplitMix64(seed: 0x5EED_C11B)` in a fixed order
/// (vision, then text, each tensor in declaration order), with open_clip's init scales:
/// embeddings N(0, W^-1/2), attention in N(0, W^-1/2), attention out and MLP out
/// N(0, W^-1/2 (2 L)^-1/2), MLP in N(0, (2 W)^-1/2), projections N(0, W^-1/2),
/// biases N(0, 0.02^2), layer norms gamma 1 + N(0, 0.02^2), beta N(0, 0.02^2).
public enum CLIPBuiltin {
    public static let prefix = "builtin:"
    public static let names = ["tiny"]
    public static let seed: UInt64 = 0x5EED_C11B

    public static func model(named name: String) throws(CLIPLoadError) -> CLIPModel {
        guard name == "tiny" else { throw .unknownBuiltin(name: name, known: names) }
        return tiny()
    }

    public static func tiny() -> CLIPModel {
        var rng = SplitMix64(seed: seed)
        let vision = CLIPVisionConfig(width: 192, layers: 6, heads: 3, patchSize: 16, imageSize: 224,
                                      mlpWidth: 768, projectionDim: 128, activation: .quickGelu)
        let text = CLIPTextConfig(width: 128, layers: 4, heads: 2, contextLength: 77,
                                  vocabSize: BPEVocabulary.byteLevelSize, mlpWidth: 512,
                                  projectionDim: 128, activation: .quickGelu)
        let v = randomVision(vision, &rng)
        let t = randomText(text, &rng)
        return CLIPModel(source: prefix + "tiny", naming: nil, vision: v, text: t)
    }

    public static func randomVision(_ c: CLIPVisionConfig, _ rng: inout SplitMix64) -> CLIPVisionWeights {
        let d = c.width, s = 1 / Float(d).squareRoot()
        let tokens = c.grid * c.grid + 1
        return CLIPVisionWeights(
            config: c,
            patchEmbedding: normal([d, 3 * c.patchSize * c.patchSize], 1 / Float(3 * c.patchSize * c.patchSize).squareRoot(), &rng),
            classEmbedding: normal([d], s, &rng),
            positionEmbedding: normal([tokens, d], s, &rng),
            lnPre: layerNorm(d, &rng),
            blocks: (0..<c.layers).map { _ in block(width: d, mlp: c.mlpWidth, layers: c.layers, &rng) },
            lnPost: layerNorm(d, &rng),
            projection: normal([d, c.projectionDim], s, &rng))
    }

    public static func randomText(_ c: CLIPTextConfig, _ rng: inout SplitMix64) -> CLIPTextWeights {
        let w = c.width, s = 1 / Float(w).squareRoot()
        return CLIPTextWeights(
            config: c,
            tokenEmbedding: normal([c.vocabSize, w], s, &rng),
            positionEmbedding: normal([c.contextLength, w], s, &rng),
            blocks: (0..<c.layers).map { _ in block(width: w, mlp: c.mlpWidth, layers: c.layers, &rng) },
            lnFinal: layerNorm(w, &rng),
            projection: normal([w, c.projectionDim], s, &rng))
    }

    static func normal(_ shape: [Int], _ std: Float, _ rng: inout SplitMix64) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() * std })
    }

    static func layerNorm(_ n: Int, _ rng: inout SplitMix64) -> LayerNormWeights {
        LayerNormWeights(gamma: normal([n], 0.02, &rng).map { $0 + 1 }, beta: normal([n], 0.02, &rng))
    }

    static func block(width w: Int, mlp: Int, layers: Int, _ rng: inout SplitMix64) -> TransformerBlockWeights {
        let s = 1 / Float(w).squareRoot(), out = s / Float(2 * layers).squareRoot()
        return TransformerBlockWeights(
            ln1: layerNorm(w, &rng),
            attentionIn: LinearWeights(weight: normal([3 * w, w], s, &rng), bias: normal([3 * w], 0.02, &rng)),
            attentionOut: LinearWeights(weight: normal([w, w], out, &rng), bias: normal([w], 0.02, &rng)),
            ln2: layerNorm(w, &rng),
            fc: LinearWeights(weight: normal([mlp, w], 1 / Float(2 * w).squareRoot(), &rng), bias: normal([mlp], 0.02, &rng)),
            proj: LinearWeights(weight: normal([w, mlp], out, &rng), bias: normal([w], 0.02, &rng)))
    }
}
