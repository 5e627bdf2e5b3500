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
        LabeledImage(image: apply(toImage: x.image), mask: apply(toMask: x.mask), label: x.label)
    }

    /// The view of an image alone: image [3, H, W] -> [3, H, W].
    public func apply(toImage image: Tensor) -> Tensor {
        switch self {
        case .identity: return image
        case .hflip: return Augment.horizontalFlip(image)
        case .rotatePlus10: return Augment.rotate(image, degrees: 10)
        case .rotateMinus10: return Augment.rotate(image, degrees: -10)
        case .gain0_8: return Augment.gain(image, 0.8)
        case .gain1_25: return Augment.gain(image, 1.25)
        }
    }

    /// The view of a mask alone: mask [H, W] -> [H, W] in {0, 1}.
    public func apply(toMask mask: Tensor) -> Tensor {
        switch self {
        case .identity, .gain0_8, .gain1_25: return mask
        case .hflip: return Augment.horizontalFlip(mask)
        case .rotatePlus10: return Augment.rotateMask(mask, degrees: 10)
        case .rotateMinus10: return Augment.rotateMask(mask, degrees: -10)
        }
    }
}
