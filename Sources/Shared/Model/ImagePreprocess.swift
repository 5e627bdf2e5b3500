/// How an image becomes CLIP's S x S input (`backbone.preprocess`): a plain value that the
/// configuration, the feature extractor and the EXTRACT message share.
public enum ImagePreprocess: String, Sendable, Codable, CaseIterable {
    /// The whole image resized to S x S (aspect not kept), as MVFA and AnomalyCLIP do: every
    /// pixel is looked at. The default.
    case squash
    /// CLIP's own: the shorter side resized to S, then the centre S x S crop; the sides of a
    /// wide scan are never looked at.
    case crop
}
