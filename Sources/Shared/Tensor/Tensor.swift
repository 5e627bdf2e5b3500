/// A dense, contiguous, row-major Float32 array with a shape.
///
/// Value semantics through `[Float]` (copy on write), so a `Tensor` can be passed around
/// freely and only copied when mutated while shared. The last dimension is the "row"
/// for the row-wise operations (softmax, layer norm, L2 normalize).
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor whose every value `fill` writes (no zeroing pass first: for outputs a
    /// kernel overwrites whole, where a memset of megabytes would be wasted traffic).
    public init(shape: [Int], overwrittenBy fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        let n = shape.reduce(1, *)
        self.data = [Float](unsafeUninitializedCapacity: n) { buffer, count in
            fill(buffer)
            count = n
        }
    }

    /// A tensor filled with one value.
    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// Wraps `data` (row-major) with `shape`; their sizes must agree.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) values, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Length of the last dimension (1 for a scalar).
    public var rowLength: Int { shape.last ?? 1 }
    /// Number of rows: the product of all but the last dimension.
    public var rowCount: Int { rowLength == 0 ? 0 : count / rowLength }

    /// The same values with another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Element at a multi-index (slow; for tests and small lookups).
    public subscript(_ index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) out of range for shape \(shape)")
            flat = flat * n + i
        }
        return flat
    }

    /// Slice `i` along the first dimension, as a new tensor of rank - 1.
    public func slice(_ i: Int) -> Tensor {
        precondition(rank >= 1 && i >= 0 && i < shape[0], "slice \(i) of shape \(shape)")
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        return Tensor(shape: inner, data: Array(data[(i * n)..<((i + 1) * n)]))
    }

    /// Stacks equally shaped tensors along a new first dimension.
    public static func stack(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "stack of nothing")
        let inner = parts[0].shape
        var out = [Float]()
        out.reserveCapacity(parts.count * parts[0].count)
        for p in parts {
            precondition(p.shape == inner, "stack: shape \(p.shape) differs from \(inner)")
            out.append(contentsOf: p.data)
        }
        return Tensor(shape: [parts.count] + inner, data: out)
    }

    /// Largest absolute difference to `other` (same shape), for tests and checks.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "compare \(shape) with \(other.shape)")
        var m: Float = 0
        for i in data.indices { m = max(m, abs(data[i] - other.data[i])) }
        return m
    }
}
