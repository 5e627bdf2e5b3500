import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

final class InferenceTests: XCTestCase {
    /// The inference fixture: maps with the normal-patch memory and the Gaussian filter at
    /// 40 x 40 (so the reflect boundary matters), scores and class probabilities.
    func testInferenceMatchesPyTorchAndScipy() throws {
        let input = try SafeTensorsReader(contentsOf: Fixtures.url("head/infer.in.safetensors"))
        let expected = try SafeTensorsReader(contentsOf: Fixtures.url("head/infer.out.safetensors"))
        let replay = try ReplayCase(reading: input)
        let c = replay.config
        let sg = try input.tensor("support.g")
        let su = try c.layers.map { try input.tensor("support.U.\($0)") }
        let sz = try c.layers.map { try input.tensor("support.Z0.\($0)") }
        let support = (0..<sg.shape[0]).map { i in
            ImageFeatures(g: sg.slice(i), u: su.map { $0.slice(i) }, z0: sz.map { $0.slice(i) })
        }
        let model = HeadInference(parameters: replay.parameters, config: c, bank: replay.bank,
                                  normalSupport: support)
        let maps = try expected.tensor("map"), raws = try expected.tensor("map_raw")
        let scores = try expected.tensor("score"), probs = try expected.tensor("probs")
        for (i, q) in replay.chunk.queries.enumerated() {
            let p = model.predict(q.features, size: (40, 40))
            XCTAssertLessThan(p.rawMap.maxAbsDifference(raws.slice(i)), 1e-5, "raw map \(i)")
            XCTAssertLessThan(p.map.maxAbsDifference(maps.slice(i)), 1e-5, "map \(i)")
            XCTAssertEqual(p.score, scores.data[i], accuracy: 1e-5)
            for k in 0..<c.classes { XCTAssertEqual(p.probabilities[k], probs[i, k], accuracy: 1e-5) }
        }
    }

    func testBilinearMatchesPyTorch() throws {
        let cases = try XCTUnwrap(Fixtures.json("head/bilinear.json")["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 5)
        for c in cases {
            let ins = (c["in_shape"] as! [Any]).ints, outs = (c["out_shape"] as! [Any]).ints
            let x = Tensor(shape: [ins[2], ins[3]], data: (c["input"] as! [Any]).floats)
            let want = (c["output"] as! [Any]).floats
            let y = BilinearResize(from: (ins[2], ins[3]), to: (outs[2], outs[3])).forward(x)
            for i in want.indices { XCTAssertEqual(y.data[i], want[i], accuracy: 1e-5, "\(ins) -> \(outs) at \(i)") }
        }
    }

    func testGaussianFilterMatchesScipy() throws {
        let cases = try XCTUnwrap(Fixtures.json("head/gaussian.json")["cases"] as? [[String: Any]])
        for c in cases {
            let shape = (c["shape"] as! [Any]).ints
            let sigma = Float((c["sigma"] as! NSNumber).doubleValue)
            let x = Tensor(shape: shape, data: (c["input"] as! [Any]).floats)
            let want = (c["output"] as! [Any]).floats
            let y = GaussianFilter(sigma: sigma).apply(x)
            for i in want.indices { XCTAssertEqual(y.data[i], want[i], accuracy: 1e-5, "\(shape) sigma \(sigma) at \(i)") }
        }
    }
}
