/// One loaded image with its lesion mask, at the file's resolution.
public struct LabeledImage: Equatable, Sendable {
    /// image: [3, H, W] in [0, 1] (gray files repeat their value in every channel).
    public var image: Tensor
    /// mask: [H, W], 1 on the lesion and 0 elsewhere (all zeros for a normal image).
    public var mask: Tensor
    public var label: LesionClass

    public init(image: Tensor, mask: Tensor, label: LesionClass) {
        precondition(image.rank == 3 && image.shape[0] == 3 && mask.shape == Array(image.shape.dropFirst()),
                     "image \(image.shape) and mask \(mask.shape) do not match")
        self.image = image; self.mask = mask; self.label = label
    }

    public var height: Int { mask.shape[0] }
    public var width: Int { mask.shape[1] }
}
