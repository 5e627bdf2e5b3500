import Foundation
import XCTest
@testable import Math
@testable import Shared

/// The Tensor kernels behind the CLIP encoders against plain reference code, with sizes
/// that split the work over several threads.
final class CLIPKernelTests: XCTestCase {
    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
    }

    /// GemmRowUnit's promise at the encoder's sizes: three ViT-B/16 images' rows laid out at
    /// multiples of the unit give the same bits in one call, in row blocks for 2 and 3
    /// threads, and per image.
    func testGemmRowsAreTheSameBitsInEveryAlignedCall() throws {
        let unit = try XCTUnwrap(GemmRowUnit.value, "OpenBLAS kernel \(BLAS.coreName) has no row unit")
        let stride = (197 + unit - 1) / unit * unit
        let x = random([3 * stride, 768], seed: 5), w = random([512, 768], seed: 6)
        var whole = Tensor(zeros: [1])
        ParallelGemm.linear(x, w, into: &whole, accumulate: false, threads: 1)
        for threads in [2, 3] {
            var split = Tensor(zeros: [1])
            ParallelGemm.linear(x, w, into: &split, accumulate: false, threads: threads)
            XCTAssertEqual(split.data.map(\.bitPattern), whole.data.map(\.bitPattern), "\(threads) threads, row unit \(unit)")
        }
        for b in 0..<3 {
            let rows = Tensor(shape: [stride, 768], data: Array(x.data[(b * stride * 768)..<((b + 1) * stride * 768)]))
            var one = Tensor(zeros: [1])
            ParallelGemm.linear(rows, w, into: &one, accumulate: false, threads: 1)
            XCTAssertEqual(one.data.map(\.bitPattern), whole.data[(b * stride * 512)..<((b + 1) * stride * 512)].map(\.bitPattern),
                           "image \(b) alone, row unit \(unit)")
        }
    }

    func testAlignedRangesCoverTheRowsAtMultiplesOfTheUnit() {
        for (count, threads, alignment) in [(240, 3, 24), (72, 2, 24), (197, 2, 1), (1000, 7, 16), (48, 4, 24)] {
            let lock = NSLock()
            nonisolated(unsafe) var ranges: [Range<Int>] = []
            Parallel.forEachRange(count: count, threads: threads, minimumPerThread: 16, alignment: alignment) { r in
                lock.lock(); ranges.append(r); lock.unlock()
            }
            ranges.sort { $0.lowerBound < $1.lowerBound }
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, count)
            XCTAssertLessThanOrEqual(ranges.count, threads)
            for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
            for r in ranges.dropFirst() { XCTAssertEqual(r.lowerBound % alignment, 0, "\(count) rows, \(threads) threads") }
            XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty })
        }
    }

    func testParallelGemmMatchesMatmul() {
        let x = random([133, 40], seed: 1), w = random([24, 40], seed: 2), bias = random([24], seed: 3)
        let want = x.matmul(w, transposeOther: true)
        for threads in [1, 2, 3] {
            var out = Tensor(zeros: [1])
            ParallelGemm.linear(x, w, into: &out, accumulate: false, threads: threads)
            XCTAssertLessThan(out.maxAbsDifference(want), 1e-4)
            ParallelGemm.linear(x, w, into: &out, accumulate: true, threads: threads)
            XCTAssertLessThan(out.maxAbsDifference(want * 2), 1e-4)
            var biased = Tensor(zeros: [1])
            ParallelGemm.linear(x, w, bias: bias, into: &biased, threads: threads)
            XCTAssertLessThan(biased.maxAbsDifference(want.addingRowVector(bias)), 1e-4)
            let product = ParallelGemm.product(x, random([40, 7], seed: 4), threads: threads)
            XCTAssertLessThan(product.maxAbsDifference(x.matmul(random([40, 7], seed: 4))), 1e-4)
        }
    }

    /// A profiled pass: every phase takes a lap, the laps add up to the pass, the profile
    /// changes no bit, and the per-phase FLOPs add up to the pass's.
    func testEncoderProfileCoversThePass() throws {
        let config = CLIPVisionConfig(width: 64, layers: 3, heads: 2, patchSize: 8, imageSize: 32,
                                      mlpWidth: 256, projectionDim: 32, activation: .quickGelu)
        let encoder = CLIPImageEncoder(weights: CLIPBenchmark.randomVision(config, seed: 5))
        let images = random([2, 3, 32, 32], seed: 21)
        let plain = try encoder.encode(images, layers: [2], threads: 2)
        let profile = EncoderProfile()
        let begin = DispatchTime.now().uptimeNanoseconds
        profile.start()
        let profiled = try encoder.encode(images, layers: [2], threads: 2, profile: profile)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        XCTAssertEqual(profiled.g.data, plain.g.data)
        XCTAssertEqual(profiled.u[2]?.data, plain.u[2]?.data)
        XCTAssertEqual(Set(profile.seconds.keys), Set(EncoderProfile.Phase.allCases))
        XCTAssertLessThanOrEqual(profile.total, wall)
        XCTAssertGreaterThan(profile.total, 0.5 * wall)
        // 16 patches + the class token; one output layer.
        let flops = CLIPBenchmark.phaseFLOPs(config, grid: 4, outputLayers: 1)
        let t = 17.0, d = 64.0
        XCTAssertEqual(flops[.attention], 3 * 4 * t * t * d)
        XCTAssertEqual(CLIPBenchmark.imageFLOPs(config, grid: 4, outputLayers: 1),
                       2 * 16 * 192 * d + 3 * (2 * t * d * (3 * d + d + 2 * 256) + 4 * t * t * d) + 2 * d * 32 * 17)
    }

    /// The activation fused into the GEMM's row blocks is the separate pass's bits.
    func testFusedActivationIsTheSeparatePass() {
        let x = random([133, 48], seed: 11), w = random([200, 48], seed: 12), bias = random([200], seed: 13)
        for threads in [1, 2, 3] {
            var biased = Tensor(zeros: [1]), fused = Tensor(zeros: [1])
            ParallelGemm.linear(x, w, bias: bias, into: &biased, threads: threads)
            for activation in [ActivationKind.quickGelu, .gelu] {
                ParallelGemm.linear(x, w, bias: bias, activation: activation, into: &fused, threads: threads)
                var separate = biased
                RowKernels.addBiasActivation(&separate, bias: Tensor(zeros: [200]), activation: activation, threads: 1)
                XCTAssertEqual(fused.data, separate.data, "\(activation), threads \(threads)")
            }
            let want = Activation.quickGelu(x.matmul(w, transposeOther: true).addingRowVector(bias))
            ParallelGemm.linear(x, w, bias: bias, activation: .quickGelu, into: &fused, threads: threads)
            XCTAssertLessThan(fused.maxAbsDifference(want), 1e-4)
        }
    }

    /// Plain attention for one (image, head): softmax(q k^T / sqrt(hd), causal) v.
    func naiveAttention(_ qkv: Tensor, batch: Int, tokens: Int, heads: Int, causal: Bool) -> Tensor {
        let width = qkv.rowLength / 3, hd = width / heads
        var out = Tensor(zeros: [batch * tokens, width])
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<tokens {
                    let keys = causal ? i + 1 : tokens
                    var scores = [Double](repeating: 0, count: keys)
                    for j in 0..<keys {
                        var s = 0.0
                        for k in 0..<hd {
                            s += Double(qkv[b * tokens + i, h * hd + k]) * Double(qkv[b * tokens + j, width + h * hd + k])
                        }
                        scores[j] = s / Double(hd).squareRoot()
                    }
                    let m = scores.max() ?? 0
                    let e = scores.map { Foundation.exp($0 - m) }
                    let total = e.reduce(0, +)
                    for k in 0..<hd {
                        var v = 0.0
                        for j in 0..<keys { v += e[j] / total * Double(qkv[b * tokens + j, 2 * width + h * hd + k]) }
                        out[b * tokens + i, h * hd + k] = Float(v)
                    }
                }
            }
        }
        return out
    }

    /// Head widths below, at and past the kernel's 16-lane panels; token counts that leave
    /// a partial block of query rows and a partial panel of keys.
    func testAttentionMatchesNaive() {
        for (batch, tokens, heads, hd) in [(2, 13, 3, 8), (2, 40, 2, 64), (1, 23, 1, 17)] {
            let qkv = random([batch * tokens, 3 * heads * hd], seed: UInt64(5 + hd))
            for causal in [false, true] {
                let want = naiveAttention(qkv, batch: batch, tokens: tokens, heads: heads, causal: causal)
                for threads in [1, 2, 4] {
                    var out = Tensor(zeros: [1])
                    Attention.selfAttention(qkv: qkv, batch: batch, tokens: tokens, heads: heads, causal: causal,
                                            threads: threads, into: &out)
                    XCTAssertLessThan(out.maxAbsDifference(want), 1e-5, "T \(tokens), hd \(hd), causal \(causal), threads \(threads)")
                }
            }
        }
    }

    func testRowKernelsMatchOps() {
        let x = random([300, 37], seed: 6), gamma = random([37], seed: 7), beta = random([37], seed: 8)
        let bias = random([37], seed: 9)
        var out = Tensor(zeros: [1])
        RowKernels.layerNorm(x, gamma: gamma, beta: beta, threads: 2, into: &out)
        XCTAssertLessThan(out.maxAbsDifference(x.layerNormRows(gamma: gamma, beta: beta)), 1e-5)
        RowKernels.layerNorm(x, rows: [5, 0, 299], gamma: gamma, beta: beta, threads: 2, into: &out)
        XCTAssertEqual(out.shape, [3, 37])
        XCTAssertLessThan(out.slice(2).maxAbsDifference(x.layerNormRows(gamma: gamma, beta: beta).slice(299)), 1e-5)
        var residual = x
        RowKernels.addBiasLayerNorm(&residual, bias: bias, gamma: gamma, beta: beta, threads: 2, into: &out)
        XCTAssertLessThan(residual.maxAbsDifference(x.addingRowVector(bias)), 1e-6)
        XCTAssertLessThan(out.maxAbsDifference(x.addingRowVector(bias).layerNormRows(gamma: gamma, beta: beta)), 1e-5)
        var act = x
        RowKernels.addBiasActivation(&act, bias: bias, activation: .quickGelu, threads: 2)
        XCTAssertLessThan(act.maxAbsDifference(Activation.quickGelu(x.addingRowVector(bias))), 1e-5)
        act = x
        RowKernels.addBiasActivation(&act, bias: bias, activation: .gelu, threads: 2)
        XCTAssertLessThan(act.maxAbsDifference(Activation.gelu(x.addingRowVector(bias))), 1e-5)
    }

    func testVectorExpAccuracy() {
        var xs = (0..<20_001).map { -87 + Float($0) * 0.0087 }   // an odd count: a tail too
        let inputs = xs
        xs.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, count: $0.count) }
        var worst: Float = 0
        for (x, got) in zip(inputs, xs) {
            let want = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(got - want) / want)
        }
        XCTAssertLessThan(worst, 4e-7)
        var edges: [Float] = [-1000, -87.3, 1000, 88.3, 0]
        edges.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(edges[0], edges[1])
        XCTAssertEqual(edges[2], edges[3])
        XCTAssertTrue(edges[3].isFinite)
        XCTAssertEqual(edges[4], 1)
    }

    /// The AVX2 and baseline builds of the C kernels give the same bits (on a CPU without
    /// AVX2 both calls run the baseline build, and the test says so).
    func testVectorMathBuildsAgree() {
        print("VectorMath: \(VectorMath.usesAVX2 ? "AVX2 build against the baseline" : "no AVX2: the baseline build twice")")
        var rng = SplitMix64(seed: 9)
        let values = (0..<4_099).map { _ in rng.nextNormal() * 30 }
        func run(_ kernel: (UnsafeMutablePointer<Float>, Int) -> Void) -> [UInt32] {
            var x = values
            x.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.count) }
            return x.map(\.bitPattern)
        }
        XCTAssertEqual(run { VectorMath.exp($0, count: $1) }, run { VectorMath.expBaseline($0, count: $1) })
        XCTAssertEqual(run { VectorMath.quickGelu($0, count: $1) }, run { VectorMath.quickGeluBaseline($0, count: $1) })
        for (n, total) in [(197, 197), (5, 13), (64, 64), (1, 1), (577, 600)] {
            var a = Array(values.prefix(total)), b = a
            let sa = a.withUnsafeMutableBufferPointer { VectorMath.softmaxNumerators($0.baseAddress!, count: n, total: total) }
            let sb = b.withUnsafeMutableBufferPointer { VectorMath.softmaxNumeratorsBaseline($0.baseAddress!, count: n, total: total) }
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "softmax of \(n) in \(total)")
            XCTAssertEqual(sa.bitPattern, sb.bitPattern)
            // Against the definition: numerators exp(x - max), zeros past n, 1 / their sum.
            let m = values.prefix(n).max()!
            for j in 0..<n { XCTAssertEqual(a[j], Float(Foundation.exp(Double(values[j] - m))), accuracy: 4e-7) }
            XCTAssertTrue(a[n...].allSatisfy { $0 == 0 })
            XCTAssertEqual(Double(sa), 1 / a.prefix(n).reduce(0.0) { $0 + Double($1) }, accuracy: 1e-6 * Double(sa))
        }
    }

    /// The fused attention kernel's AVX2 + FMA and baseline builds give the same bits, for
    /// head widths that fill its 16-lane panels or not and token counts that fill its
    /// 6-row blocks or not, causal or not.
    func testAttentionBuildsAgree() {
        print("Attention: \(Attention.usesAVX2 ? "AVX2 + FMA build against the baseline" : "no AVX2: the baseline build twice")")
        for (tokens, hd, heads, causal) in [(197, 64, 2, false), (77, 64, 1, true), (13, 24, 3, false), (5, 8, 2, true),
                                            (1, 3, 1, false), (40, 17, 2, true)] {
            let qkv = random([2 * tokens, 3 * hd * heads], seed: UInt64(tokens * hd))
            var fast = Tensor(zeros: [1]), baseline = Tensor(zeros: [1])
            Attention.selfAttention(qkv: qkv, batch: 2, tokens: tokens, heads: heads, causal: causal, threads: 2, into: &fast)
            Attention.selfAttentionBaseline(qkv: qkv, batch: 2, tokens: tokens, heads: heads, causal: causal, into: &baseline)
            XCTAssertEqual(fast.data.map(\.bitPattern), baseline.data.map(\.bitPattern), "T \(tokens), hd \(hd), causal \(causal)")
        }
    }

    func testFastLogAccuracy() {
        // Absolute error near 1 (where log -> 0), relative elsewhere; across binades and
        // both sides of the sqrt(1/2) split of the mantissa.
        var worst = 0.0
        var x: Float = 1e-6
        while x < 1e6 {
            let got = FastMath.log(SIMD8<Float>(repeating: x))[0], want = Foundation.log(Double(x))
            worst = max(worst, abs(Double(got) - want) / max(abs(want), 1))
            x *= 1.000_37
        }
        XCTAssertLessThan(worst, 2e-7)
        let lanes = SIMD8<Float>(0.5, 0.70710677, 0.7071068, 1, 1.5, 2, 1e-6, 3e38)
        let got = FastMath.log(lanes)
        for i in 0..<8 { XCTAssertEqual(Double(got[i]), Foundation.log(Double(lanes[i])), accuracy: 2e-7 * max(1, abs(Foundation.log(Double(lanes[i]))))) }
    }
}
