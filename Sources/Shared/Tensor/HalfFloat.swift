internal import CVectorMath

/// IEEE half floats (binary16, held as their bit patterns) to and from Float: the C kernels
/// of Sources/CVectorMath/include/half_float.h, with F16C where the CPU has it and the same
/// bits from the portable build where it does not.
public enum HalfFloat {
    /// Whether this CPU converts with F16C (for benchmark reports).
    public static var usesF16C: Bool { uad_half_float_uses_f16c() != 0 }

    /// Each value rounded to the nearest half (ties to even; from 65520 on, an infinity).
    public static func bits(of values: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: values.count) { out, count in
            if let o = out.baseAddress { uad_float_to_half(values, o, values.count) }
            count = values.count
        }
    }

    /// The Float of each half: exact.
    public static func floats(of bits: [UInt16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bits.count) { out, count in
            if let o = out.baseAddress { uad_half_to_float(bits, o, bits.count) }
            count = bits.count
        }
    }

    /// The portable builds, whatever the CPU (to check that both builds agree).
    static func bitsPortable(of values: [Float]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: values.count)
        uad_float_to_half_portable(values, &out, values.count)
        return out
    }

    static func floatsPortable(of bits: [UInt16]) -> [Float] {
        var out = [Float](repeating: 0, count: bits.count)
        uad_half_to_float_portable(bits, &out, bits.count)
        return out
    }
}
