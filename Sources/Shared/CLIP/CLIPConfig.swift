/// The architecture of a CLIP ViT image tower, as read from a checkpoint's shapes.
public struct CLIPVisionConfig: Equatable, Sendable {
    /// Token width D.
    public var width: Int
    /// Number of residual attention blocks.
    public var layers: Int
    public var heads: Int
    /// Side of a square patch, in pixels.
    public var patchSize: Int
    /// Side of the square input the position embeddings were trained for.
    public var imageSize: Int
    /// Hidden width of the MLP (4 D in every released CLIP).
    public var mlpWidth: Int
    /// Joint embedding dimension d (columns of the visual projection).
    public var projectionDim: Int
    public var activation: ActivationKind

    /// Patches per side at `imageSize`.
    public var grid: Int { imageSize / patchSize }
}

/// The architecture of a CLIP text tower, as read from a checkpoint's shapes.
public struct CLIPTextConfig: Equatable, Sendable {
    public var width: Int
    public var layers: Int
    public var heads: Int
    /// Token positions (77 for every released CLIP).
    public var contextLength: Int
    public var vocabSize: Int
    public var mlpWidth: Int
    public var projectionDim: Int
    public var activation: ActivationKind
}
