import Foundation

/// A separable Gaussian filter on [H, W] planes with scipy.ndimage.gaussian_filter's
/// conventions: radius = Int(truncate * sigma + 0.5), normalized weights, mode "reflect"
/// (d c b a | a b c d | d c b a: the edge pixel is repeated). Rows first, then columns.
public struct GaussianFilter: Sendable {
    public let sigma: Float
    public let weights: [Float]   // 2 * radius + 1 taps
    public var radius: Int { weights.count / 2 }
    /// The widest filter the files and settings that name a sigma may ask for (a model
    /// file's smoothing_sigma, eval.smoothing_sigma): its 8000 taps already span any map,
    /// and a wider one would only cost memory (a sigma of 1e9 asks for 8e9 taps).
    public static let maxSigma: Float = 1000

    public init(sigma: Float, truncate: Float = 4) {
        precondition(sigma > 0, "Gaussian sigma must be positive")
        self.sigma = sigma
        let r = Int(Double(truncate) * Double(sigma) + 0.5)
        let w = (-r...r).map { exp(-0.5 * Double($0 * $0) / Double(sigma * sigma)) }
        let s = w.reduce(0, +)
        weights = w.map { Float($0 / s) }
    }

    /// Index into 0..<n with half-sample reflection, folding as often as needed.
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * n
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - 1 - j
    }

    /// x: [H, W] -> [H, W].
    public func apply(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2, "Gaussian filter expects [H, W], got \(x.shape)")
        let h = x.shape[0], w = x.shape[1], r = radius
        // Along axis 0 (down the columns), then axis 1, as scipy does.
        var tmp = Tensor(zeros: x.shape)
        let rowIndex = (0..<h).map { i in (-r...r).map { Self.reflect(i + $0, h) } }
        for i in 0..<h {
            let taps = rowIndex[i]
            for j in 0..<w {
                var s: Float = 0
                for (k, src) in taps.enumerated() { s += weights[k] * x.data[src * w + j] }
                tmp.data[i * w + j] = s
            }
        }
        var out = Tensor(zeros: x.shape)
        let colIndex = (0..<w).map { j in (-r...r).map { Self.reflect(j + $0, w) } }
        for i in 0..<h {
            for j in 0..<w {
                var s: Float = 0
                for (k, src) in colIndex[j].enumerated() { s += weights[k] * tmp.data[i * w + src] }
                out.data[i * w + j] = s
            }
        }
        return out
    }
}
