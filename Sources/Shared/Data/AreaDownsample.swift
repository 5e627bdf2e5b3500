/// Box-filter resampling of part of an [H, W] plane to [rows, cols]: every output cell is the
/// mean of the source area it covers, with partly covered pixels weighted by their overlap.
///
/// The perceptual hash needs a small image that depends on the picture and not on its
/// pixel count: a bilinear or point-sampled reduction by 10x reads one pixel in a hundred
/// and so changes with the speckle a resize moved, while the area mean of each cell is the
/// same whether the file was 500 or 250 pixels wide.
enum AreaDownsample {
    /// One output cell along an axis: source pixels `first..<first + weights.count` with
    /// their weights (overlap / cell width, summing to 1).
    struct Cell: Sendable { let first: Int; let weights: [Float] }

    /// `count` cells splitting the source interval [lo, hi) (in pixels, 0 <= lo < hi <= size)
    /// evenly: cell o covers [lo + o * s, lo + (o + 1) * s), s = (hi - lo) / count. When s < 1
    /// (a source smaller than the output) a cell lies inside one or two pixels and takes their values.
    static func cells(from lo: Double, to hi: Double, count: Int, size: Int) -> [Cell] {
        precondition(0 <= lo && lo < hi && hi <= Double(size) && count > 0, "area cells of [\(lo), \(hi)) in \(size)")
        let s = (hi - lo) / Double(count)
        return (0..<count).map { o in
            let a = lo + Double(o) * s, b = min(lo + Double(o + 1) * s, hi)
            let first = min(Int(a), size - 1), last = max(first, min(Int(b.rounded(.up)), size) - 1)
            let weights = (first...last).map { p in
                Float(max(0, min(b, Double(p + 1)) - max(a, Double(p))) / (b - a))
            }
            return Cell(first: first, weights: weights)
        }
    }

    /// plane: [H, W] -> [H, cells.count], each row resampled.
    static func alongWidth(_ plane: [Float], height: Int, width: Int, cells: [Cell]) -> [Float] {
        precondition(plane.count == height * width, "\(plane.count) values are not \(height) x \(width)")
        let n = cells.count
        var out = [Float](repeating: 0, count: height * n)
        plane.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<height {
                    let s = src.baseAddress! + r * width
                    for (j, c) in cells.enumerated() {
                        var sum: Float = 0
                        for (k, w) in c.weights.enumerated() { sum += w * s[c.first + k] }
                        dst[r * n + j] = sum
                    }
                }
            }
        }
        return out
    }

    /// plane: [H, W] -> [cells.count, W], each column resampled.
    static func alongHeight(_ plane: [Float], height: Int, width: Int, cells: [Cell]) -> [Float] {
        precondition(plane.count == height * width, "\(plane.count) values are not \(height) x \(width)")
        var out = [Float](repeating: 0, count: cells.count * width)
        plane.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (i, c) in cells.enumerated() {
                    for (k, w) in c.weights.enumerated() {
                        let s = src.baseAddress! + (c.first + k) * width
                        for j in 0..<width { dst[i * width + j] += w * s[j] }
                    }
                }
            }
        }
        return out
    }
}
