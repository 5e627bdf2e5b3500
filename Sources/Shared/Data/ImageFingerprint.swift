/// What an image is, for finding duplicates: an exact digest of its decoded pixels and a
/// perceptual hash that survives re-export (resizing, small crops, gain, gamma, noise).
///
/// Public breast-ultrasound datasets repeat images (BUSI: about 19%, some under both benign
/// and malignant), and a copy of a few-shot support image in the test set inflates every
/// metric; `DuplicateGroups` groups images by these fingerprints, within and across datasets.
public struct ImageFingerprint: Codable, Sendable, Hashable {
    /// FNV-1a 64 (16 hex digits) of the width, the height and every sample at 8 bits: equal
    /// exactly when the decoded pixels are (up to 8-bit precision), whatever the file's encoding.
    public var pixels: String
    public var perceptual: PerceptualHash

    /// The design's version: a stored fingerprint of another version is computed again
    /// (raise it when the digest or the hash changes).
    public static let version = 1

    /// Largest `distance(to:)` of a near duplicate (`PerceptualHash.nearDuplicateThreshold`).
    public static let nearDuplicateThreshold = PerceptualHash.nearDuplicateThreshold

    /// image: [3, H, W] in [0, 1] (a `LabeledImage`'s image, as decoded).
    public init(image: Tensor) {
        pixels = Self.pixelDigest(image)
        perceptual = PerceptualHash(image: image)
    }

    public init(pixels: String, perceptual: PerceptualHash) {
        self.pixels = pixels; self.perceptual = perceptual
    }

    /// Perceptual distance in bits, 0...256 (`PerceptualHash.distance(to:)`).
    public func distance(to other: ImageFingerprint) -> Int { perceptual.distance(to: other.perceptual) }

    /// FNV-1a 64 over width and height (4 bytes each, little-endian), then the samples in
    /// [3, H, W] order, each round(255 v) clamped to 0...255 (NaN as 0): the values an 8-bit
    /// file of the image holds.
    static func pixelDigest(_ image: Tensor) -> String {
        precondition(image.rank == 3 && image.shape[0] == 3, "pixel digest of a \(image.shape) tensor, not [3, H, W]")
        let h = image.shape[1], w = image.shape[2]
        var digest = FNV1a()
        digest.add([UInt32(w), UInt32(h)].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } })
        var row = [UInt8](repeating: 0, count: w)
        image.data.withUnsafeBufferPointer { x in
            for r in 0..<(3 * h) {
                for j in 0..<w {
                    let v = x[r * w + j]
                    row[j] = v.isNaN ? 0 : UInt8(min(max(v * 255, 0), 255).rounded())
                }
                digest.add(row)
            }
        }
        return digest.digest
    }
}
