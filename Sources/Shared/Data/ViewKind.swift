/// The augmented views of a support image (METHOD.md, "Episodes"). The raw value is the
/// stable name the feature cache and configs use.
public enum ViewKind: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case identity = "identity"
    /// Mirrored left-right.
    case hflip = "hflip"
    /// Rotated 10 degrees counter-clockwise about the center, border filled with 0.
    case rotatePlus10 = "rot+10"
    /// Rotated 10 degrees clockwise.
    case rotateMinus10 = "rot-10"
    /// Image x 0.8 (mask unchanged).
    case gain0_8 = "gain0.8"
    /// Image x 1.25, clamped to 1 (mask unchanged).
    case gain1_25 = "gain1.25"

    /// The default views: all six, identity first.
    public static let defaults: [ViewKind] = allCases

    public var description: String { rawValue }

    /// The view of an image and its mask, transformed alike: geometric views move both
    /// (bilinear for the image; bilinear then >= 0.5 for the mask), gain views scale the
    /// image only.
    public func apply(_ x: LabeledImage) -> LabeledImage {
        switch self {
        case .identity:
            return x
        case .hflip:
            return LabeledImage(image: Augment.horizontalFlip(x.image), mask: Augment.horizontalFlip(x.mask), label: x.label)
        case .rotatePlus10, .rotateMinus10:
            let degrees: Float = self == .rotatePlus10 ? 10 : -10
            return LabeledImage(image: Augment.rotate(x.image, degrees: degrees),
                                mask: Augment.rotateMask(x.mask, degrees: degrees), label: x.label)
        case .gain0_8:
            return LabeledImage(image: Augment.gain(x.image, 0.8), mask: x.mask, label: x.label)
        case .gain1_25:
            return LabeledImage(image: Augment.gain(x.image, 1.25), mask: x.mask, label: x.label)
        }
    }
}
