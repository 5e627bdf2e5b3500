/// The two tensor namings of CLIP checkpoints in safetensors form.
///
/// - Hugging Face `CLIPModel`: `vision_model.embeddings.patch_embedding.weight`,
///   `vision_model.encoder.layers.N.self_attn.q_proj.weight` (q, k, v separate),
///   `visual_projection.weight` ([d, D], applied as x W^T), `text_model.*`,
///   `text_projection.weight`.
/// - OpenAI / open_clip: `visual.conv1.weight`, `visual.transformer.resblocks.N.attn.in_proj_weight`
///   (q, k, v packed), `visual.proj` ([D, d], applied as x P), `token_embedding.weight`,
///   `transformer.resblocks.N.*`, `ln_final.*`, `text_projection` ([W, d]).
public enum CLIPNaming: String, Sendable {
    case huggingFace = "Hugging Face CLIPModel"
    case openCLIP = "OpenAI/open_clip"

    /// The names of one residual block's tensors.
    struct BlockKeys {
        var ln1Weight, ln1Bias: String
        /// One name (packed) or three (q, k, v), in that order.
        var qkvWeights, qkvBiases: [String]
        var outWeight, outBias: String
        var ln2Weight, ln2Bias: String
        var fcWeight, fcBias: String
        var projWeight, projBias: String

        var all: [String] {
            [ln1Weight, ln1Bias] + qkvWeights + qkvBiases
                + [outWeight, outBias, ln2Weight, ln2Bias, fcWeight, fcBias, projWeight, projBias]
        }
    }

    /// The names of a tower's tensors outside its blocks.
    struct TowerKeys {
        /// Vision: class embedding [D]; text: token embedding [V, W].
        var embedding: String
        /// Vision only: the patch convolution [D, 3, p, p].
        var patch: String?
        var position: String
        /// Vision only: ln_pre.
        var preWeight, preBias: String?
        /// ln_post (vision) or ln_final (text).
        var postWeight, postBias: String
        var projection: String
        /// Whether `projection` is stored [d, D] (a Linear weight) rather than [D, d].
        var projectionTransposed: Bool
        /// What every block tensor's name starts with, before the block number.
        var blockPrefix: String
        var block: (Int) -> BlockKeys

        var topLevel: [String] {
            [embedding] + [patch, preWeight, preBias].compactMap { $0 } + [position, postWeight, postBias, projection]
        }
    }

    /// A tensor that only this naming has, which identifies it.
    var visionMarker: String {
        switch self {
        case .huggingFace: return "vision_model.embeddings.class_embedding"
        case .openCLIP: return "visual.class_embedding"
        }
    }

    var textMarker: String {
        switch self {
        case .huggingFace: return "text_model.embeddings.token_embedding.weight"
        case .openCLIP: return "token_embedding.weight"
        }
    }

    var vision: TowerKeys {
        switch self {
        case .huggingFace:
            return TowerKeys(
                embedding: "vision_model.embeddings.class_embedding",
                patch: "vision_model.embeddings.patch_embedding.weight",
                position: "vision_model.embeddings.position_embedding.weight",
                preWeight: "vision_model.pre_layrnorm.weight", preBias: "vision_model.pre_layrnorm.bias",
                postWeight: "vision_model.post_layernorm.weight", postBias: "vision_model.post_layernorm.bias",
                projection: "visual_projection.weight", projectionTransposed: true,
                blockPrefix: "vision_model.encoder.layers.",
                block: { Self.huggingFaceBlock("vision_model.encoder.layers.\($0).") })
        case .openCLIP:
            return TowerKeys(
                embedding: "visual.class_embedding", patch: "visual.conv1.weight",
                position: "visual.positional_embedding",
                preWeight: "visual.ln_pre.weight", preBias: "visual.ln_pre.bias",
                postWeight: "visual.ln_post.weight", postBias: "visual.ln_post.bias",
                projection: "visual.proj", projectionTransposed: false,
                blockPrefix: "visual.transformer.resblocks.",
                block: { Self.openCLIPBlock("visual.transformer.resblocks.\($0).") })
        }
    }

    var text: TowerKeys {
        switch self {
        case .huggingFace:
            return TowerKeys(
                embedding: "text_model.embeddings.token_embedding.weight", patch: nil,
                position: "text_model.embeddings.position_embedding.weight", preWeight: nil, preBias: nil,
                postWeight: "text_model.final_layer_norm.weight", postBias: "text_model.final_layer_norm.bias",
                projection: "text_projection.weight", projectionTransposed: true,
                blockPrefix: "text_model.encoder.layers.",
                block: { Self.huggingFaceBlock("text_model.encoder.layers.\($0).") })
        case .openCLIP:
            return TowerKeys(
                embedding: "token_embedding.weight", patch: nil, position: "positional_embedding",
                preWeight: nil, preBias: nil, postWeight: "ln_final.weight", postBias: "ln_final.bias",
                projection: "text_projection", projectionTransposed: false,
                blockPrefix: "transformer.resblocks.",
                block: { Self.openCLIPBlock("transformer.resblocks.\($0).") })
        }
    }

    static func huggingFaceBlock(_ p: String) -> BlockKeys {
        BlockKeys(
            ln1Weight: p + "layer_norm1.weight", ln1Bias: p + "layer_norm1.bias",
            qkvWeights: ["q", "k", "v"].map { p + "self_attn.\($0)_proj.weight" },
            qkvBiases: ["q", "k", "v"].map { p + "self_attn.\($0)_proj.bias" },
            outWeight: p + "self_attn.out_proj.weight", outBias: p + "self_attn.out_proj.bias",
            ln2Weight: p + "layer_norm2.weight", ln2Bias: p + "layer_norm2.bias",
            fcWeight: p + "mlp.fc1.weight", fcBias: p + "mlp.fc1.bias",
            projWeight: p + "mlp.fc2.weight", projBias: p + "mlp.fc2.bias")
    }

    static func openCLIPBlock(_ p: String) -> BlockKeys {
        BlockKeys(
            ln1Weight: p + "ln_1.weight", ln1Bias: p + "ln_1.bias",
            qkvWeights: [p + "attn.in_proj_weight"], qkvBiases: [p + "attn.in_proj_bias"],
            outWeight: p + "attn.out_proj.weight", outBias: p + "attn.out_proj.bias",
            ln2Weight: p + "ln_2.weight", ln2Bias: p + "ln_2.bias",
            fcWeight: p + "mlp.c_fc.weight", fcBias: p + "mlp.c_fc.bias",
            projWeight: p + "mlp.c_proj.weight", projBias: p + "mlp.c_proj.bias")
    }
}
