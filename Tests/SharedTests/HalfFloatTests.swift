import XCTest
@testable import Math
@testable import Shared

/// The float16 conversions (Sources/CVectorMath/half_float.c) against Swift's own Float16,
/// and the F16C build against the portable one, bit for bit.
final class HalfFloatTests: XCTestCase {
    func testEveryHalfWidensExactlyAndBothBuildsAgree() {
        let all = (0...UInt16.max).map { $0 }
        let fast = HalfFloat.floats(of: all), portable = HalfFloat.floatsPortable(of: all)
        XCTAssertEqual(fast.map { $0.bitPattern }, portable.map { $0.bitPattern }, "F16C \(HalfFloat.usesF16C) against portable")
        for bits in all {
            let value = fast[Int(bits)], reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                XCTAssertTrue(value.isNaN && value.sign == reference.sign, "bits \(bits)")
            } else {
                XCTAssertEqual(value.bitPattern, reference.bitPattern, "bits \(bits)")
            }
        }
        XCTAssertEqual(HalfFloat.floats(of: [0x0001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0xFC00]),
                       [0x1p-24, 0x1.FF8p-15, 0x1p-14, 1, 65504, -.infinity])
    }

    func testFloatsRoundToTheNearestHalfTiesToEvenAndBothBuildsAgree() {
        // Edge values (ties, the overflow threshold, subnormals, signed zeros, NaNs), then a
        // spread of bit patterns over all of Float's range, then the features' typical range.
        var values: [Float] = [0, -0, 1, -1, 65504, 65519.996, 65520, -65520, 65536, .infinity, -.infinity, .nan,
                               Float(bitPattern: 0x7FA0_0001), Float(bitPattern: 0xFFC1_2345),
                               0x1p-14, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1.0000_02p-25, 0x1.FF8p-15, 0x1.FFCp-15,
                               1 + 0x1p-11, 1 + 0x1p-10 + 0x1p-11, 1 + 0x1p-11 + 0x1p-20, 2048 + 1, 2048 + 3]
        values += stride(from: UInt32(0), to: UInt32.max - 40_009, by: 40_009).map { Float(bitPattern: $0) }
        var rng = SplitMix64(seed: 5)
        values += (0..<100_000).map { _ in Float(Double(rng.next() % 2_000_001) / 1e5 - 10) }
        let fast = HalfFloat.bits(of: values), portable = HalfFloat.bitsPortable(of: values)
        XCTAssertEqual(fast, portable, "F16C \(HalfFloat.usesF16C) against portable")
        for (x, h) in zip(values, fast) {
            let reference = Float16(x)
            if reference.isNaN {
                XCTAssertTrue(Float16(bitPattern: h).isNaN && Float16(bitPattern: h).sign == reference.sign, "\(x)")
            } else {
                XCTAssertEqual(h, reference.bitPattern, "\(x) (bits \(String(x.bitPattern, radix: 16)))")
            }
        }
        XCTAssertEqual(HalfFloat.bits(of: [1 + 0x1p-11, 1 + 0x1p-10 + 0x1p-11, 65520, 0x1p-25, 0x1.8p-25]),
                       [0x3C00, 0x3C02, 0x7C00, 0x0000, 0x0001], "ties to even; the overflow tie; subnormal ties")
    }
}
