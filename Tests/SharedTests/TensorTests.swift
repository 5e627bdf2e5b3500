import XCTest
@testable import Shared

final class TensorTests: XCTestCase {
    /// Reference product in Double: op(A)[m,k] * op(B)[k,n].
    func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool,
               lda: Int, ldb: Int, aOff: Int = 0, bOff: Int = 0) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]
                let bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]
                s += Double(av) * Double(bv)
            }
            c[i * n + j] = s
        } }
        return c
    }

    func testSgemmEveryTransposeAndOddSizes() {
        var rng = SplitMix64(seed: 7)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 1, 9), (31, 33, 2), (64, 65, 63), (5, 0, 3)] {
            for ta in [false, true] { for tb in [false, true] {
                let a = (0..<(m * k)).map { _ in rng.nextNormal() }
                let b = (0..<(k * n)).map { _ in rng.nextNormal() }
                let lda = ta ? m : k, ldb = tb ? k : n
                var c = (0..<(m * n)).map { _ in rng.nextNormal() }
                let c0 = c
                BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b,
                           beta: 2, c: &c)
                let ref = naive(a, b, m: m, n: n, k: k, ta: ta, tb: tb, lda: lda, ldb: ldb)
                for i in 0..<(m * n) {
                    let want = 0.5 * ref[i] + 2 * Double(c0[i])
                    XCTAssertEqual(Double(c[i]), want, accuracy: 1e-4 * max(1, abs(want)),
                                   "m\(m) n\(n) k\(k) ta\(ta) tb\(tb) at \(i)")
                }
            } }
        }
    }

    func testSgemmOnSubmatricesWithOffsetsAndStrides() {
        // A is the 3x4 block at row 1, column 2 of a 6x7 array; B the 4x2 block of a 5x3.
        var rng = SplitMix64(seed: 3)
        let big = (0..<42).map { _ in rng.nextNormal() }
        let bigB = (0..<15).map { _ in rng.nextNormal() }
        var c = [Float](repeating: 0, count: 10)  // 3x2 at offset 4 with ldc 2
        BLAS.sgemm(m: 3, n: 2, k: 4, a: big, aOffset: 9, lda: 7, b: bigB, bOffset: 3, ldb: 3,
                   c: &c, cOffset: 4, ldc: 2)
        let ref = naive(big, bigB, m: 3, n: 2, k: 4, ta: false, tb: false, lda: 7, ldb: 3,
                        aOff: 9, bOff: 3)
        XCTAssertEqual(Array(c[0..<4]), [0, 0, 0, 0])
        for i in 0..<6 { XCTAssertEqual(Double(c[4 + i]), ref[i], accuracy: 1e-5) }
    }

    func testSgemmWithZeroInnerDimensionScalesByBeta() {
        var c: [Float] = [1, 2, 3, 4]
        BLAS.sgemm(m: 2, n: 2, k: 0, a: [], b: [], beta: 0.5, c: &c)
        XCTAssertEqual(c, [0.5, 1, 1.5, 2])
    }

    func testMatmulAndBatchedMatmul() {
        var rng = SplitMix64(seed: 11)
        let a = Tensor(shape: [3, 4, 5], data: (0..<60).map { _ in rng.nextNormal() })
        let w = Tensor(shape: [5, 2], data: (0..<10).map { _ in rng.nextNormal() })
        let shared = a.batchedMatmul(w)
        let bt = Tensor(shape: [3, 2, 5], data: (0..<30).map { _ in rng.nextNormal() })
        let perBatch = a.batchedMatmul(bt, transposeOther: true)
        for i in 0..<3 {
            XCTAssertLessThan(shared.slice(i).maxAbsDifference(a.slice(i).matmul(w)), 1e-5)
            XCTAssertLessThan(perBatch.slice(i).maxAbsDifference(
                a.slice(i).matmul(bt.slice(i), transposeOther: true)), 1e-5)
        }
        let at = a.slice(0).matmul(a.slice(1), transposeSelf: true)  // [5,4]x[4,5]
        XCTAssertEqual(at.shape, [5, 5])
        XCTAssertEqual(Double(at[1, 2]),
                       (0..<4).reduce(0.0) { $0 + Double(a[0, $1, 1]) * Double(a[1, $1, 2]) },
                       accuracy: 1e-5)
    }

    func testSoftmaxRowsValuesAndBackwardByFiniteDifferences() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, -1, 0, 1000])
        let y = x.softmaxRows()
        let e = [exp(-2.0), exp(-1.0), 1.0]
        let s = e.reduce(0, +)
        for j in 0..<3 { XCTAssertEqual(Double(y[0, j]), e[j] / s, accuracy: 1e-6) }
        XCTAssertEqual(y[1, 2], 1, accuracy: 1e-6)  // stable for large logits
        checkBackward(Tensor(shape: [2, 3], data: [0.3, -0.2, 0.9, 1.1, 0.1, -0.5]),
                      forward: { $0.softmaxRows() },
                      backward: { dy, x in Tensor.softmaxRowsBackward(dy, output: x.softmaxRows()) })
    }

    func testL2NormalizeBackwardByFiniteDifferences() {
        let (y, norms) = Tensor(shape: [1, 2], data: [3, 4]).l2NormalizedRows()
        XCTAssertEqual(y.data, [0.6, 0.8])
        XCTAssertEqual(norms, [5])
        checkBackward(Tensor(shape: [2, 3], data: [0.3, -0.2, 0.9, 1.1, 0.1, -0.5]),
                      forward: { $0.l2NormalizedRows().0 },
                      backward: { dy, x in
                          let (y, n) = x.l2NormalizedRows()
                          return Tensor.l2NormalizedRowsBackward(dy, output: y, norms: n)
                      })
    }

    func testActivations() {
        let x = Tensor(shape: [4], data: [-2, -0.5, 0.5, 2])
        XCTAssertEqual(Activation.relu(x).data, [0, 0, 0.5, 2])
        XCTAssertEqual(Activation.leakyRelu(x).data, [-0.02, -0.005, 0.5, 2])
        // GELU(1) = 0.8413447..., QuickGELU(1) = 1 / (1 + e^-1.702) = 0.8457951...
        XCTAssertEqual(Activation.gelu(Tensor(shape: [1], data: [1])).data[0], 0.8413447, accuracy: 1e-6)
        XCTAssertEqual(Activation.quickGelu(Tensor(shape: [1], data: [1])).data[0], 0.8457951, accuracy: 1e-6)
        let dy = Tensor(shape: [4], data: [1, 1, 1, 1])
        XCTAssertEqual(Activation.leakyReluBackward(dy, input: x).data, [0.01, 0.01, 1, 1])
        XCTAssertEqual(Activation.reluBackward(dy, input: x).data, [0, 0, 1, 1])
    }

    func testLayerNorm() {
        let x = Tensor(shape: [1, 4], data: [1, 2, 3, 4])
        let y = x.layerNormRows(gamma: Tensor(shape: [4], data: [1, 1, 2, 1]),
                                beta: Tensor(shape: [4], data: [0, 0, 0, 1]), eps: 0)
        // mean 2.5, std sqrt(1.25)
        let s = Float(1.25).squareRoot()
        XCTAssertEqual(y.data[0], -1.5 / s, accuracy: 1e-6)
        XCTAssertEqual(y.data[2], 2 * 0.5 / s, accuracy: 1e-6)
        XCTAssertEqual(y.data[3], 1.5 / s + 1, accuracy: 1e-6)
    }

    func testBilinearMatchesHandComputedPyTorchValues() {
        // torch.nn.functional.interpolate([[0,1],[2,3]], size=(4,4), mode="bilinear",
        // align_corners=False) gives these rows (positions -0.25 clamp to 0).
        let x = Tensor(shape: [1, 2, 2], data: [0, 1, 2, 3])
        let y = BilinearResize(from: (2, 2), to: (4, 4)).forward(x)
        let want: [Float] = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5,
                             1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]
        XCTAssertEqual(y.shape, [1, 4, 4])
        for i in 0..<16 { XCTAssertEqual(y.data[i], want[i], accuracy: 1e-6) }
    }

    func testBilinearAdjointIdentity() {
        var rng = SplitMix64(seed: 5)
        for (h, w, hh, ww) in [(3, 5, 7, 11), (24, 24, 336, 336), (6, 4, 3, 2)] {
            let r = BilinearResize(from: (h, w), to: (hh, ww))
            let x = Tensor(shape: [2, h, w], data: (0..<(2 * h * w)).map { _ in rng.nextNormal() })
            let y = Tensor(shape: [2, hh, ww], data: (0..<(2 * hh * ww)).map { _ in rng.nextNormal() })
            let lhs = r.forward(x).hadamard(y).sum()
            let rhs = x.hadamard(r.adjoint(y)).sum()
            XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * max(1, abs(lhs)), "\(h)x\(w) -> \(hh)x\(ww)")
        }
    }

    func testSplitMixIsStable() {
        var g = SplitMix64(seed: 0)
        // First output of SplitMix64 seeded with 0 (the published test value).
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        var h = SplitMix64(seed: 42)
        let u = (0..<1000).map { _ in h.nextUniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Double(u.reduce(0, +)) / 1000, 0.5, accuracy: 0.05)
    }

    /// Central differences in Float64-free fashion: checks <dy, backward> against
    /// (f(x + e) - f(x - e)) . dy / 2e with a random dy, element by element of x.
    func checkBackward(_ x: Tensor, forward: (Tensor) -> Tensor,
                       backward: (Tensor, Tensor) -> Tensor, file: StaticString = #filePath, line: UInt = #line) {
        var rng = SplitMix64(seed: 99)
        let y = forward(x)
        let dy = Tensor(shape: y.shape, data: (0..<y.count).map { _ in rng.nextNormal() })
        let dx = backward(dy, x)
        let eps: Float = 1e-2
        for i in 0..<x.count {
            var xp = x, xm = x
            xp.data[i] += eps; xm.data[i] -= eps
            let numeric = (forward(xp).hadamard(dy).sum() - forward(xm).hadamard(dy).sum()) / Double(2 * eps)
            XCTAssertEqual(Double(dx.data[i]), numeric, accuracy: 2e-3 * max(1, abs(numeric)),
                           "element \(i)", file: file, line: line)
        }
    }
}
