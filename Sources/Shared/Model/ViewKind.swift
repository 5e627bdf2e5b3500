/// The augmented views of a support image (docs/METHOD.md, "Episodes"). The raw value is the
/// stable name the feature cache and configs use. A plain value here, in Math, so that Wire
/// can carry it (EXTRACT); the transforms themselves are in Data/ViewKind+Apply.swift.
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
}
