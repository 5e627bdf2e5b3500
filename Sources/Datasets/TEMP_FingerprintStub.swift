import Shared
// TEMPORARY until the phash branch lands.
public struct ImageFingerprint: Sendable {
    public static let nearDuplicateThreshold = 10
    public static let version = "0"
    public var pixels: String
    public var perceptualText: String { "" }
    public init(image: Tensor) { pixels = "" }
    public init?(pixels: String, perceptual: String) { return nil }
}
struct DuplicateGroups {
    struct G { var members: [Int]; var exact: Bool }
    var groups: [G] = []
    init(_ p: [ImageFingerprint], threshold: Int) {}
}
