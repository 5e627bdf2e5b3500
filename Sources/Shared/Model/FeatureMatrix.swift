/// How a run stores the frozen patch features U and Z0 (`fewshot.feature_dtype`): float32 as
/// the encoder computes them, or float16, each value rounded to the nearest half (ties to
/// even), which halves their bytes in the feature cache, the pool file, memory and on the
/// wire. The head always computes in Float: a float16 matrix is widened, exactly, for the
/// chunk that uses it. A run is bitwise reproducible within either choice.
public enum FeatureDType: String, Equatable, Sendable, Codable, CaseIterable {
    case float32, float16

    public var bytesPerValue: Int { self == .float32 ? 4 : 2 }
}

/// One [P, C] matrix of a view's frozen features (U.{l} or Z0.{l}) in its stored precision.
public struct FeatureMatrix: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case float32([Float])
        /// IEEE binary16 bit patterns (`HalfFloat`).
        case float16([UInt16])
    }

    public let shape: [Int]
    public let values: Values

    /// A float32 matrix: the tensor's values as they are (no copy).
    public init(_ tensor: Tensor) { shape = tensor.shape; values = .float32(tensor.data) }

    /// A float16 matrix of `bits` (row-major, `shape`'s element count of them).
    public init(shape: [Int], float16 bits: [UInt16]) {
        precondition(shape.reduce(1, *) == bits.count, "shape \(shape) holds \(shape.reduce(1, *)) values, got \(bits.count)")
        self.shape = shape; values = .float16(bits)
    }

    public var dtype: FeatureDType {
        switch values {
        case .float32: return .float32
        case .float16: return .float16
        }
    }

    public var count: Int {
        switch values {
        case .float32(let v): return v.count
        case .float16(let v): return v.count
        }
    }

    public var rowLength: Int { shape.last ?? 1 }
    public var byteCount: Int { count * dtype.bytesPerValue }

    /// The values as Float: the stored array itself for float32, widened (exactly) for float16.
    public var tensor: Tensor {
        switch values {
        case .float32(let v): return Tensor(shape: shape, data: v)
        case .float16(let bits): return Tensor(shape: shape, data: HalfFloat.floats(of: bits))
        }
    }

    /// This matrix in `dtype`: rounded to float16, widened to float32, or itself.
    public func stored(as dtype: FeatureDType) -> FeatureMatrix {
        switch (values, dtype) {
        case (.float32(let v), .float16):
            return FeatureMatrix(shape: shape, float16: HalfFloat.bits(of: v))
        case (.float16, .float32):
            return FeatureMatrix(tensor)
        default:
            return self
        }
    }
}
