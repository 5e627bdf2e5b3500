/// Layer norm affine parameters. gamma, beta: [n]
public struct LayerNormWeights: Sendable {
    public var gamma: Tensor
    public var beta: Tensor
}

/// A linear layer y = x W^T + b, stored as PyTorch stores it. weight: [out, in]; bias: [out]
public struct LinearWeights: Sendable {
    public var weight: Tensor
    public var bias: Tensor
}

/// One pre-LN residual attention block:
/// x += out(attention(ln1(x))); x += proj(act(fc(ln2(x)))).
public struct TransformerBlockWeights: Sendable {
    public var ln1: LayerNormWeights
    /// Packed q | k | v projection. weight: [3 D, D]
    public var attentionIn: LinearWeights
    /// weight: [D, D]
    public var attentionOut: LinearWeights
    public var ln2: LayerNormWeights
    /// weight: [M, D]
    public var fc: LinearWeights
    /// weight: [D, M]
    public var proj: LinearWeights
}

/// The image tower of a CLIP ViT.
public struct CLIPVisionWeights: Sendable {
    public var config: CLIPVisionConfig
    /// The patch convolution (no bias) flattened over (channel, row, column): [D, 3 p p]
    public var patchEmbedding: Tensor
    /// classEmbedding: [D]
    public var classEmbedding: Tensor
    /// Class position first, then the grid row-major: [grid^2 + 1, D]
    public var positionEmbedding: Tensor
    public var lnPre: LayerNormWeights
    public var blocks: [TransformerBlockWeights]
    public var lnPost: LayerNormWeights
    /// Visual projection, applied as x @ projection: [D, d]
    public var projection: Tensor
}

/// The text tower of a CLIP.
public struct CLIPTextWeights: Sendable {
    public var config: CLIPTextConfig
    /// tokenEmbedding: [V, W]
    public var tokenEmbedding: Tensor
    /// positionEmbedding: [contextLength, W]
    public var positionEmbedding: Tensor
    public var blocks: [TransformerBlockWeights]
    public var lnFinal: LayerNormWeights
    /// Text projection, applied as x @ projection: [W, d]
    public var projection: Tensor
}
