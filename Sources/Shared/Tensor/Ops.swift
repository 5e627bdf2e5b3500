import Foundation

// Elementwise and row-wise operations. "Row" is the last dimension. Each operation that
// the trainable head differentiates has its backward beside it.

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "add: \(a.shape) vs \(b.shape)")
        var out = a
        for i in out.data.indices { out.data[i] += b.data[i] }
        return out
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "subtract: \(a.shape) vs \(b.shape)")
        var out = a
        for i in out.data.indices { out.data[i] -= b.data[i] }
        return out
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        var out = a
        out.data.withUnsafeMutableBufferPointer { o in for i in o.indices { o[i] *= s } }
        return out
    }

    /// Elementwise product.
    public func hadamard(_ b: Tensor) -> Tensor {
        precondition(shape == b.shape, "hadamard: \(shape) vs \(b.shape)")
        var out = self
        for i in out.data.indices { out.data[i] *= b.data[i] }
        return out
    }

    /// Adds `bias` (length rowLength) to every row.
    public func addingRowVector(_ bias: Tensor) -> Tensor {
        precondition(bias.count == rowLength, "bias of \(bias.count) for rows of \(rowLength)")
        var out = self
        let n = rowLength
        for r in 0..<rowCount { for j in 0..<n { out.data[r * n + j] += bias.data[j] } }
        return out
    }

    /// Sum over rows: [.., n] -> [n] (the backward of `addingRowVector`).
    public func sumRows() -> Tensor {
        let n = rowLength
        var out = Tensor(zeros: [n])
        for r in 0..<rowCount { for j in 0..<n { out.data[j] += data[r * n + j] } }
        return out
    }

    public func map(_ f: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, data: data.map(f))
    }

    /// Sum of all elements, accumulated in Double.
    public func sum() -> Double { data.reduce(0.0) { $0 + Double($1) } }
}

// MARK: - Activations

public enum Activation {
    /// max(x, 0)
    public static func relu(_ x: Tensor) -> Tensor { x.map { max($0, 0) } }
    /// dx = dy where x > 0
    public static func reluBackward(_ dy: Tensor, input x: Tensor) -> Tensor {
        var dx = dy
        for i in dx.data.indices where x.data[i] <= 0 { dx.data[i] = 0 }
        return dx
    }

    /// x if x > 0, else slope * x
    public static func leakyRelu(_ x: Tensor, slope: Float = 0.01) -> Tensor {
        x.map { $0 > 0 ? $0 : slope * $0 }
    }
    public static func leakyReluBackward(_ dy: Tensor, input x: Tensor, slope: Float = 0.01) -> Tensor {
        precondition(dy.count == x.count, "leaky relu backward: \(dy.shape) vs \(x.shape)")
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            x.data.withUnsafeBufferPointer { xb in
                for i in d.indices where xb[i] <= 0 { d[i] *= slope }
            }
        }
        return dx
    }

    /// Exact GELU: x * Phi(x).
    public static func gelu(_ x: Tensor) -> Tensor {
        x.map { 0.5 * $0 * (1 + Float(erf(Double($0) / 2.0.squareRoot()))) }
    }

    /// CLIP's QuickGELU: x * sigmoid(1.702 x).
    public static func quickGelu(_ x: Tensor) -> Tensor {
        x.map { $0 / (1 + exp(-1.702 * $0)) }
    }
}

// MARK: - Row operations

extension Tensor {
    /// Softmax over each row (numerically stable).
    public func softmaxRows() -> Tensor {
        var out = self
        let n = rowLength
        for r in 0..<rowCount {
            let base = r * n
            var m = -Float.infinity
            for j in 0..<n { m = max(m, data[base + j]) }
            var s: Float = 0
            for j in 0..<n { let e = exp(data[base + j] - m); out.data[base + j] = e; s += e }
            for j in 0..<n { out.data[base + j] /= s }
        }
        return out
    }

    /// Backward of `softmaxRows` given its output y: dx = y * (dy - sum(dy * y)).
    public static func softmaxRowsBackward(_ dy: Tensor, output y: Tensor) -> Tensor {
        var dx = dy
        let n = y.rowLength
        for r in 0..<y.rowCount {
            let base = r * n
            var dot: Float = 0
            for j in 0..<n { dot += dy.data[base + j] * y.data[base + j] }
            for j in 0..<n { dx.data[base + j] = y.data[base + j] * (dy.data[base + j] - dot) }
        }
        return dx
    }

    /// Layer norm over each row with an affine transform (gamma, beta of length rowLength).
    public func layerNormRows(gamma: Tensor, beta: Tensor, eps: Float = 1e-5) -> Tensor {
        let n = rowLength
        precondition(gamma.count == n && beta.count == n, "layer norm affine of \(gamma.count) for rows of \(n)")
        var out = self
        for r in 0..<rowCount {
            let base = r * n
            var mean: Float = 0
            for j in 0..<n { mean += data[base + j] }
            mean /= Float(n)
            var variance: Float = 0
            for j in 0..<n { let d = data[base + j] - mean; variance += d * d }
            variance /= Float(n)
            let inv = 1 / (variance + eps).squareRoot()
            for j in 0..<n {
                out.data[base + j] = (data[base + j] - mean) * inv * gamma.data[j] + beta.data[j]
            }
        }
        return out
    }

    /// Each row divided by its L2 norm; returns the norms too (needed by the backward).
    public func l2NormalizedRows(eps: Float = 1e-12) -> (Tensor, norms: [Float]) {
        let n = rowLength, rows = rowCount
        var out = self
        var norms = [Float](repeating: 0, count: rows)
        out.data.withUnsafeMutableBufferPointer { o in
            norms.withUnsafeMutableBufferPointer { nb in
                for r in 0..<rows {
                    let row = o.baseAddress! + r * n
                    var s: Float = 0
                    for j in 0..<n { s += row[j] * row[j] }
                    let norm = max(s.squareRoot(), eps)
                    nb[r] = norm
                    let inv = 1 / norm
                    for j in 0..<n { row[j] *= inv }
                }
            }
        }
        return (out, norms)
    }

    /// Backward of y = x / ||x||: dx = (dy - y (y . dy)) / ||x||.
    public static func l2NormalizedRowsBackward(_ dy: Tensor, output y: Tensor, norms: [Float]) -> Tensor {
        precondition(dy.shape == y.shape && norms.count == y.rowCount, "l2 backward: \(dy.shape) vs \(y.shape)")
        var dx = dy
        let n = y.rowLength
        dx.data.withUnsafeMutableBufferPointer { d in
            y.data.withUnsafeBufferPointer { yb in
                for r in 0..<y.rowCount {
                    let g = d.baseAddress! + r * n, yr = yb.baseAddress! + r * n
                    var dot: Float = 0
                    for j in 0..<n { dot += yr[j] * g[j] }
                    let inv = 1 / norms[r]
                    for j in 0..<n { g[j] = (g[j] - yr[j] * dot) * inv }
                }
            }
        }
        return dx
    }

    /// Each column minus its mean over the rows (the mean accumulated in Double). Written
    /// in one pass from `self` (no copy of the input first).
    public func centredOverRows() -> Tensor {
        let n = rowLength, rows = rowCount
        var sums = [Double](repeating: 0, count: n)
        data.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { m in
                for i in 0..<rows {
                    let row = x.baseAddress! + i * n
                    for j in 0..<n { m[j] += Double(row[j]) }
                }
            }
        }
        let mean = sums.map { Float($0 / Double(rows)) }
        return Tensor(shape: shape) { out in
            data.withUnsafeBufferPointer { x in
                mean.withUnsafeBufferPointer { m in
                    for i in 0..<rows {
                        let src = x.baseAddress! + i * n, dst = out.baseAddress! + i * n
                        for j in 0..<n { dst[j] = src[j] - m[j] }
                    }
                }
            }
        }
    }
}
