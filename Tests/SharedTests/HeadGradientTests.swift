import XCTest
@testable import Shared
@testable import TestSupport

/// Finite differences for every trainable tensor of the head.
///
/// The head is Float32, so each check is a directional derivative along a random unit
/// direction per tensor, with central differences at eps = 3e-3: the truncation error is
/// O(eps^2 f''') ~ 1e-5 away from ReLU kinks (a larger eps crosses them: 3e-3 relative
/// error on mini.b1 at eps = 1e-2), and the Float32 rounding of a loss of order 10 (sums
/// in Double) is about 1e-6, so 1e-6 / eps ~ 3e-4 in the quotient; measured differences
/// stay below 1e-3 + 2e-4 |g|. The tolerance 1e-3 + 2e-3 |g| sits above that and well
/// below a wrong term. Exact agreement is checked against PyTorch (HeadReplayTests).
final class HeadGradientTests: XCTestCase {
    let c = HeadTestData.config

    func checkAllTensors(_ params: ParameterSet, file: StaticString = #filePath, line: UInt = #line) {
        assertHeadGradients(c, params, bank: HeadTestData.bank(c, seed: 2), chunk: HeadTestData.chunk(c, seed: 3), file: file, line: line)
    }

    func testGradientsAtRandomNonZeroParameters() {
        checkAllTensors(HeadTestData.randomParameters(c, seed: 1))
    }

    func testGradientsAtTheMethodsInitialization() {
        checkAllTensors(ParameterSet.initial(c, seed: 5))
    }

    func testEveryGradientIsNonZeroAtRandomParameters() {
        let p = HeadTestData.randomParameters(c, seed: 1)
        let (parts, g) = UltraADHead.lossAndGradient(parameters: p, config: c,
                                                     bank: HeadTestData.bank(c, seed: 2),
                                                     chunk: HeadTestData.chunk(c, seed: 3), scale: 1)
        XCTAssertTrue(parts.total.isFinite)
        for e in g.layout.entries {
            let m = g.values[e.offset..<(e.offset + e.count)].map(abs).max() ?? 0
            XCTAssertGreaterThan(m, 0, "\(e.name) has an all-zero gradient")
        }
    }

    func testChunkGradientIsTheSumOverItsQueries() {
        let p = HeadTestData.randomParameters(c, seed: 1)
        let bank = HeadTestData.bank(c, seed: 2)
        let chunk = HeadTestData.chunk(c, seed: 3)
        let (whole, g) = UltraADHead.lossAndGradient(parameters: p, config: c, bank: bank, chunk: chunk, scale: 1)
        var sum = ParameterSet(zeros: p.layout)
        var parts = LossParts()
        for q in chunk.queries {
            let (lp, gq) = UltraADHead.lossAndGradient(parameters: p, config: c, bank: bank,
                                                       chunk: ChunkInput(queries: [q]), scale: 1)
            parts = parts + lp
            for i in sum.values.indices { sum.values[i] += gq.values[i] }
        }
        XCTAssertEqual(whole.total, parts.total, accuracy: 1e-9 * abs(parts.total))
        for i in sum.values.indices {
            XCTAssertEqual(g.values[i], sum.values[i], accuracy: 1e-5 * max(1, abs(sum.values[i])))
        }
    }
}
