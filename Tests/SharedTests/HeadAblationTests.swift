import XCTest
@testable import Shared
@testable import TestSupport

/// The variants of docs/METHOD.md's "Ablations": finite differences for every variant that
/// removes something, the layout without the removed parameters, and the ablated forward
/// against the full one with the removed terms made to vanish. PyTorch parity of three
/// variants is in HeadReplayTests.
final class HeadAblationTests: XCTestCase {
    /// Every single component, and combinations that take several paths out at once.
    static let variants: [[HeadComponent]] = HeadComponent.allCases.map { [$0] } + [
        [.fuse, .miniNet], [.patchAdapter, .centre], [.imagePrompt, .learnedPrompt, .memoryBank],
        [.miniNet, .memoryBank], [.imagePrompt, .learnedPrompt, .patchAdapter, .fuse, .miniNet],
    ]

    func head(_ ablate: [HeadComponent]) -> HeadConfig {
        var c = HeadTestData.config
        c.ablate = ablate
        return c
    }

    /// The full method's random parameters (HeadTestData) of what the variant keeps.
    func parameters(_ c: HeadConfig) -> ParameterSet {
        let full = HeadTestData.randomParameters(HeadTestData.config, seed: 1)
        var kept = ParameterSet(zeros: ParameterLayout(head: c))
        for e in kept.layout.entries { kept.set(e.name, full.tensor(e.name)) }
        return kept
    }

    func loss(_ c: HeadConfig, _ p: ParameterSet, _ bank: MemoryBank, _ chunk: ChunkInput) -> Double {
        let q = chunk.queries.count
        return UltraADHead.lossAndGradient(parameters: p, config: c, bank: bank, chunk: chunk, scale: 1 / Float(q)).0.total / Double(q)
    }

    /// The directional central differences of HeadGradientTests, for every variant.
    func testFiniteDifferencesOfEveryVariant() {
        let bank = HeadTestData.bank(HeadTestData.config, seed: 2)
        let chunk = HeadTestData.chunk(HeadTestData.config, seed: 3)
        for ablate in Self.variants {
            let c = head(ablate)
            assertHeadGradients(c, parameters(c), bank: bank, chunk: chunk, nonZero: true, "\(ablate)")
        }
    }

    func testTheLayoutHasNoParameterOfARemovedComponent() {
        let full = ParameterLayout(head: HeadTestData.config).entries.map(\.name)
        for ablate in Self.variants {
            let names = ParameterLayout(head: head(ablate)).entries.map(\.name)
            let removed = full.filter { name in ablate.contains { $0.parameterPrefix.map(name.hasPrefix) ?? false } }
            XCTAssertEqual(names, full.filter { !removed.contains($0) }, "\(ablate)")
            if ablate.contains(where: { $0 != .centre }) { XCTAssertFalse(removed.isEmpty, "\(ablate)") }
            // A variant starts from the full method's values of what it keeps.
            let initial = ParameterSet.initial(head(ablate), seed: 9), fullInitial = ParameterSet.initial(HeadTestData.config, seed: 9)
            for name in names { XCTAssertEqual(initial.tensor(name), fullInitial.tensor(name), "\(ablate) \(name)") }
        }
        XCTAssertEqual(ParameterLayout(head: head([.centre])), ParameterLayout(head: HeadTestData.config))
    }

    /// Where a removed term is a parameter that can be set to make it vanish, the variant's
    /// loss is the full method's with that setting: pi = 0 (meta.w2 = meta.b2 = 0), E = 0,
    /// no adapter residual (w2 = 0), no cache term (alpha = 0). Exact in float arithmetic.
    func testVariantsEqualTheFullMethodWithTheTermSetToZero() {
        let bank = HeadTestData.bank(HeadTestData.config, seed: 2)
        let chunk = HeadTestData.chunk(HeadTestData.config, seed: 3)
        let full = HeadTestData.randomParameters(HeadTestData.config, seed: 1)
        let cases: [(HeadComponent, [String])] = [
            (.imagePrompt, ["meta.w2", "meta.b2"]), (.learnedPrompt, ["prompt.offset"]),
            (.patchAdapter, HeadTestData.config.layers.map { "adapter.\($0).w2" }),
        ]
        for (component, zeroed) in cases {
            var p = full
            for name in zeroed { p.set(name, Tensor(zeros: p.layout.entry(name)!.shape)) }
            let c = head([component])
            XCTAssertEqual(loss(c, parameters(c), bank, chunk), loss(HeadTestData.config, p, bank, chunk), "\(component)")
        }
        var noCache = full
        noCache.values[noCache.offset("cache.log_alpha")] = -.infinity
        let c = head([.memoryBank])
        XCTAssertEqual(loss(c, parameters(c), bank, chunk), loss(HeadTestData.config, noCache, bank, chunk), accuracy: 1e-9)
        // Without the fusion or the mini-net, the head is the full one with zero weights
        // there up to one more normalization of unit rows.
        for (component, zeroed) in [(HeadComponent.fuse, ["fuse.wq", "fuse.wo"]), (.miniNet, ["mini.w2", "mini.b2"])] {
            var p = full
            for name in zeroed { p.set(name, Tensor(zeros: p.layout.entry(name)!.shape)) }
            let c = head([component])
            let kept = parameters(c)
            let want = loss(HeadTestData.config, p, bank, chunk)
            XCTAssertEqual(loss(c, kept, bank, chunk), want, accuracy: 1e-5 * abs(want), "\(component)")
        }
        // Centring matters: the variant without it computes something else.
        XCTAssertNotEqual(loss(head([.centre]), full, bank, chunk), loss(HeadTestData.config, full, bank, chunk))
    }

    func testTheZeroShotBaselineHasNoParameterAndStillPredicts() {
        let c = head(HeadComponent.trainable)
        XCTAssertTrue(c.isZeroShot)
        XCTAssertFalse(head([.fuse]).isZeroShot)
        XCTAssertEqual(ParameterLayout(head: c).totalCount, 0)
        let bank = HeadTestData.bank(HeadTestData.config, seed: 2)
        let chunk = HeadTestData.chunk(HeadTestData.config, seed: 3)
        let (parts, grads) = UltraADHead.lossAndGradient(parameters: .initial(c, seed: 1), config: c, bank: bank, chunk: chunk, scale: 1)
        XCTAssertTrue(parts.total.isFinite && parts.total > 0)
        XCTAssertTrue(grads.values.isEmpty)
        let model = HeadInference(parameters: .initial(c, seed: 1), config: c, bank: bank, normalSupport: [chunk.queries[0].features])
        let p = model.predict(chunk.queries[1].features, size: (7, 7))
        XCTAssertEqual(p.map.shape, [7, 7])
        XCTAssertEqual(p.probabilities.reduce(0, +), 1, accuracy: 1e-5)
    }

    func testTheComponentListIsReadStrictly() throws {
        XCTAssertEqual(try HeadComponent.parseList("centre, fuse,fuse"), [.fuse, .centre])
        XCTAssertEqual(try HeadComponent.parseList(""), [])
        XCTAssertThrowsError(try HeadComponent.parseList("fuse,adapters")) { error in
            XCTAssertTrue("\(error)".contains("\"adapters\" is not a component"), "\(error)")
        }
        // The full method's JSON has no ablate key (model files and digests stay as they were).
        let json = String(decoding: try JSONEncoder().encode(HeadTestData.config), as: UTF8.self)
        XCTAssertFalse(json.contains("ablate"))
        let back = try JSONDecoder().decode(HeadConfig.self, from: JSONEncoder().encode(head([.miniNet, .fuse])))
        XCTAssertEqual(back.ablate, [.fuse, .miniNet])
    }

    /// The replay contract: a removed parameter still in IN, or an unknown name, is an error naming it.
    func testReplayRefusesARemovedParameterAndAnUnknownName() throws {
        let input = try SafeTensorsReader(contentsOf: Fixtures.url("head/random.in.safetensors"))
        func rewritten(ablate: String, dropping prefix: String?) throws -> SafeTensorsReader {
            var metadata = input.metadata
            metadata["ablate"] = ablate
            return try input.replayInputCopy(metadata: metadata, keeping: { !(prefix.map($0.hasPrefix) ?? false) },
                                             file: "variant.safetensors")
        }
        XCTAssertThrowsError(try ReplayCase(reading: rewritten(ablate: "fuse", dropping: nil))) { error in
            XCTAssertTrue("\(error)".hasPrefix("variant.safetensors: fuse.wo is a parameter of fuse") || "\(error)".hasPrefix("variant.safetensors: fuse.wq is a parameter of fuse"), "\(error)")
        }
        XCTAssertThrowsError(try ReplayCase(reading: rewritten(ablate: "fusion", dropping: "fuse."))) { error in
            XCTAssertTrue("\(error)".contains("\"fusion\" is not a component"), "\(error)")
        }
        let variant = try ReplayCase(reading: rewritten(ablate: "fuse", dropping: "fuse."))
        XCTAssertEqual(variant.config.ablate, [.fuse])
        XCTAssertNil(variant.parameters.layout.entry("fuse.wq"))
        // Without adapters the layers come from the query tokens.
        let noAdapter = try ReplayCase(reading: rewritten(ablate: "patch_adapter", dropping: "adapter."))
        XCTAssertEqual(noAdapter.config.layers, [2, 4])
        XCTAssertTrue(noAdapter.run().loss.isFinite)
    }
}
