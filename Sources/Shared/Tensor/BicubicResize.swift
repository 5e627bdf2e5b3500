/// Antialiased bicubic resampling of [C, h, w] planes to [C, H, W]: PIL's
/// `Image.resize(BICUBIC)` filter computed in floating point, which is also PyTorch's
/// `F.interpolate(mode="bicubic", antialias=True, align_corners=False)` (and so
/// open_clip's `resize_pos_embed`).
///
/// Per axis, with scale = in / out: output i is centred at (i + 0.5) * scale in input
/// coordinates; the cubic kernel (a = -0.5) is stretched by max(scale, 1) (the antialias),
/// so its support is 2 * max(scale, 1) input pixels either side; taps falling outside the
/// input are dropped and the remaining weights renormalized to sum to 1. Rows first
/// (along the width), then columns. PIL itself also rounds to 8 bits after each pass;
/// this does not (differences up to about 1/255).
public struct BicubicResize: Sendable {
    public let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    let rows: [Taps]
    let cols: [Taps]

    struct Taps: Sendable {
        let start: Int
        let weights: [Float]
    }

    public init(from input: (height: Int, width: Int), to output: (height: Int, width: Int)) {
        precondition(input.height > 0 && input.width > 0 && output.height > 0 && output.width > 0,
                     "bicubic resize between empty sizes")
        inHeight = input.height; inWidth = input.width
        outHeight = output.height; outWidth = output.width
        rows = Self.taps(inSize: input.height, outSize: output.height)
        cols = Self.taps(inSize: input.width, outSize: output.width)
    }

    /// The cubic convolution kernel with a = -0.5 (Keys), as PIL and PyTorch's antialias
    /// path use it.
    static func cubic(_ x: Double) -> Double {
        let a = -0.5, x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    static func taps(inSize: Int, outSize: Int) -> [Taps] {
        let scale = Double(inSize) / Double(outSize)
        let stretch = max(scale, 1)
        let support = 2 * stretch
        return (0..<outSize).map { i in
            let center = scale * (Double(i) + 0.5)
            // Truncation toward zero, then clamping, as in PIL's precompute_coeffs.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            var w = (lo..<max(hi, lo)).map { j in cubic((Double(j) - center + 0.5) / stretch) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            return Taps(start: lo, weights: w.map { Float($0) })
        }
    }

    /// x: [.., h, w] -> [.., H, W].
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 2 && x.shape.suffix(2) == [inHeight, inWidth],
                     "resize input \(x.shape) is not [.., \(inHeight), \(inWidth)]")
        let planes = x.count / (inHeight * inWidth)
        var out = Tensor(zeros: Array(x.shape.dropLast(2)) + [outHeight, outWidth])
        var tmp = [Float](repeating: 0, count: inHeight * outWidth)
        for p in 0..<planes {
            let s = p * inHeight * inWidth
            for r in 0..<inHeight {
                let row = s + r * inWidth
                for (j, t) in cols.enumerated() {
                    var v: Float = 0
                    for (k, w) in t.weights.enumerated() { v += x.data[row + t.start + k] * w }
                    tmp[r * outWidth + j] = v
                }
            }
            let d = p * outHeight * outWidth
            for (i, t) in rows.enumerated() {
                for j in 0..<outWidth {
                    var v: Float = 0
                    for (k, w) in t.weights.enumerated() { v += tmp[(t.start + k) * outWidth + j] * w }
                    out.data[d + i * outWidth + j] = v
                }
            }
        }
        return out
    }
}
