/// One test image kept for the overlay gallery, reduced to what an overlay draws, at the
/// overlay's resolution (the image's, downsized so that its longer side is at most
/// `maxSide`).
public struct OverlaySample: Sendable {
    /// Why the image is in the gallery: the `rank`-th best or worst of its class by image
    /// score (best: highest score for an abnormal class, lowest for the normal class).
    public struct Role: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable { case best, worst }
        public var kind: Kind
        public var rank: Int
        public var description: String { "\(kind.rawValue) \(rank)" }
    }

    public var id: String
    public var label: Int
    public var score: Float
    public var roles: [Role] = []
    public let width: Int
    public let height: Int
    /// Gray image: [height, width] in [0, 1].
    public let gray: [Float]
    /// Anomaly map resampled bilinearly to the overlay size: [height, width] in [0, 1].
    public let map: [Float]
    /// Lesion mask resampled by nearest neighbour: [height, width], true on the lesion.
    public let lesion: [Bool]

    /// The overlay of `e`; nil when it carries no image. Shapes are checked by the caller
    /// (`SiteAccumulator.add`): image [3|1, h, w] or [h, w], mask and map [H, W].
    init?(_ e: ImageEvaluation, maxSide: Int) {
        guard let image = e.image else { return nil }
        let h = image.shape[image.rank - 2], w = image.shape[image.rank - 1]
        let plane = h * w
        var g = [Float](repeating: 0, count: plane)
        if image.rank == 3 && image.shape[0] == 3 {
            for i in 0..<plane {
                g[i] = 0.299 * image.data[i] + 0.587 * image.data[plane + i] + 0.114 * image.data[2 * plane + i]
            }
        } else {
            for i in 0..<plane { g[i] = image.data[i] }
        }
        let scale = min(1, Double(max(maxSide, 1)) / Double(max(h, w)))
        let oh = max(1, Int((Double(h) * scale).rounded())), ow = max(1, Int((Double(w) * scale).rounded()))
        if (oh, ow) != (h, w) {
            g = BilinearResize(from: (h, w), to: (oh, ow)).forward(Tensor(shape: [h, w], data: g)).data
        }
        let mh = e.map.shape[0], mw = e.map.shape[1]
        var m = e.map.data
        if (mh, mw) != (oh, ow) {
            m = BilinearResize(from: (mh, mw), to: (oh, ow)).forward(e.map).data
        }
        var lesion = [Bool](repeating: false, count: oh * ow)
        for y in 0..<oh {
            let sy = min(mh - 1, Int((Double(y) + 0.5) * Double(mh) / Double(oh)))
            for x in 0..<ow {
                let sx = min(mw - 1, Int((Double(x) + 0.5) * Double(mw) / Double(ow)))
                lesion[y * ow + x] = e.mask.data[sy * mw + sx] > 0.5
            }
        }
        id = e.id
        label = e.label
        score = e.score
        width = ow
        height = oh
        gray = g.map(Self.unit)
        map = m.map(Self.unit)
        self.lesion = lesion
    }

    /// Clamps to [0, 1]; NaN becomes 0.
    static func unit(_ v: Float) -> Float { v.isNaN ? 0 : min(max(v, 0), 1) }
}
