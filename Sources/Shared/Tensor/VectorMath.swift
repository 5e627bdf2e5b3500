internal import CVectorMath

/// The encoder's exp kernels (Sources/CVectorMath): written once in C on 8-float vectors,
/// compiled for AVX2 and for baseline x86-64, the build chosen per CPU. Both builds give
/// the same bits (`testVectorMathBuildsAgree`), so the CPU never changes a feature.
public enum VectorMath {
    /// Whether this CPU runs the AVX2 build (for benchmark reports).
    public static var usesAVX2: Bool { uad_vector_math_uses_avx2() != 0 }

    /// x[0..<n] = exp(x) in place; inputs clamped to [-87.3, 88.3].
    static func exp(_ x: UnsafeMutablePointer<Float>, count n: Int) { uad_exp(x, n) }

    /// x[0..<n] = x / (1 + exp(-1.702 x)) in place.
    static func quickGelu(_ x: UnsafeMutablePointer<Float>, count n: Int) { uad_quick_gelu(x, n) }

    /// row[0..<n] = exp(row - max) in place, row[n..<total] = 0; returns 1 / the sum. The
    /// attention kernel's softmax (attention.c inlines the same function), called here only
    /// by the tests that check it against its definition.
    static func softmaxNumerators(_ row: UnsafeMutablePointer<Float>, count n: Int, total: Int) -> Float {
        uad_softmax_numerators(row, n, total)
    }

    /// The baseline build of each kernel, whatever the CPU (to check the builds agree).
    static func expBaseline(_ x: UnsafeMutablePointer<Float>, count n: Int) { uad_exp_baseline(x, n) }
    static func quickGeluBaseline(_ x: UnsafeMutablePointer<Float>, count n: Int) { uad_quick_gelu_baseline(x, n) }
    static func softmaxNumeratorsBaseline(_ row: UnsafeMutablePointer<Float>, count n: Int, total: Int) -> Float {
        uad_softmax_numerators_baseline(row, n, total)
    }
}
