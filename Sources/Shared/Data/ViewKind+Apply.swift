/// What each view does to an image and its mask (the enum itself is in Math).
extension ViewKind {
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
