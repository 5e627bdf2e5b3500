/// Bilinear resampling of [C, h, w] planes to [C, H, W] with PyTorch's
/// `align_corners = false` convention, and its adjoint (the backward of the resize).
///
/// The resize is separable: each output pixel mixes two source columns, then two source
/// rows. The adjoint applies the transposed weights in the reverse order, so
/// <resize(x), y> == <x, adjoint(y)> holds to rounding.
public struct BilinearResize: Sendable {
    public let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    let rows: [Tap]   // one per output row
    let cols: [Tap]   // one per output column

    struct Tap: Sendable { let i0: Int; let i1: Int; let w1: Float }

    public init(from input: (height: Int, width: Int), to output: (height: Int, width: Int)) {
        precondition(input.height > 0 && input.width > 0 && output.height > 0 && output.width > 0,
                     "bilinear resize between empty sizes")
        inHeight = input.height; inWidth = input.width
        outHeight = output.height; outWidth = output.width
        rows = Self.taps(inSize: input.height, outSize: output.height)
        cols = Self.taps(inSize: input.width, outSize: output.width)
    }

    /// Source position (dst + 0.5) * in/out - 0.5, clamped below at 0 as PyTorch does.
    static func taps(inSize: Int, outSize: Int) -> [Tap] {
        let scale = Float(inSize) / Float(outSize)
        return (0..<outSize).map { dst in
            let src = max((Float(dst) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), inSize - 1)
            let i1 = min(i0 + 1, inSize - 1)
            return Tap(i0: i0, i1: i1, w1: src - Float(i0))
        }
    }

    /// x: [C, h, w] (or [h, w]) -> [C, H, W] (or [H, W]).
    public func forward(_ x: Tensor) -> Tensor {
        let planes = x.count / (inHeight * inWidth)
        precondition(planes * inHeight * inWidth == x.count && x.shape.suffix(2) == [inHeight, inWidth],
                     "resize input \(x.shape) is not [.., \(inHeight), \(inWidth)]")
        var out = Tensor(zeros: Array(x.shape.dropLast(2)) + [outHeight, outWidth])
        var tmp = [Float](repeating: 0, count: inHeight * outWidth)
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for p in 0..<planes {
                    let s = src.baseAddress! + p * inHeight * inWidth
                    // Along the width: [h, w] -> [h, W].
                    for r in 0..<inHeight {
                        for (j, t) in cols.enumerated() {
                            let a = s[r * inWidth + t.i0], b = s[r * inWidth + t.i1]
                            tmp[r * outWidth + j] = a * (1 - t.w1) + b * t.w1
                        }
                    }
                    // Along the height: [h, W] -> [H, W].
                    let d = dst.baseAddress! + p * outHeight * outWidth
                    for (i, t) in rows.enumerated() {
                        let w0 = 1 - t.w1
                        for j in 0..<outWidth {
                            d[i * outWidth + j] = tmp[t.i0 * outWidth + j] * w0 + tmp[t.i1 * outWidth + j] * t.w1
                        }
                    }
                }
            }
        }
        return out
    }

    /// The adjoint: dy [C, H, W] -> dx [C, h, w].
    public func adjoint(_ dy: Tensor) -> Tensor {
        let planes = dy.count / (outHeight * outWidth)
        precondition(planes * outHeight * outWidth == dy.count && dy.shape.suffix(2) == [outHeight, outWidth],
                     "resize adjoint input \(dy.shape) is not [.., \(outHeight), \(outWidth)]")
        var dx = Tensor(zeros: Array(dy.shape.dropLast(2)) + [inHeight, inWidth])
        var tmp = [Float](repeating: 0, count: inHeight * outWidth)
        dy.data.withUnsafeBufferPointer { src in
            dx.data.withUnsafeMutableBufferPointer { dst in
                for p in 0..<planes {
                    let g = src.baseAddress! + p * outHeight * outWidth
                    for k in tmp.indices { tmp[k] = 0 }
                    for (i, t) in rows.enumerated() {
                        let w0 = 1 - t.w1
                        for j in 0..<outWidth {
                            let v = g[i * outWidth + j]
                            tmp[t.i0 * outWidth + j] += v * w0
                            tmp[t.i1 * outWidth + j] += v * t.w1
                        }
                    }
                    let d = dst.baseAddress! + p * inHeight * inWidth
                    for r in 0..<inHeight {
                        for (j, t) in cols.enumerated() {
                            let v = tmp[r * outWidth + j]
                            d[r * inWidth + t.i0] += v * (1 - t.w1)
                            d[r * inWidth + t.i1] += v * t.w1
                        }
                    }
                }
            }
        }
        return dx
    }
}
