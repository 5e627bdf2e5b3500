import XCTest
@testable import Shared
@testable import TestSupport

final class TrainingTests: XCTestCase {
    func testTrainingOnAPlantedSignalLowersLossAndRaisesPixelAUROC() throws {
        let c = PlantedFeatures.config
        let pool = PlantedFeatures.pool(seed: 1)
        let bank = PlantedFeatures.bank(pool, seed: 2)
        var settings = AdamW.Settings()
        settings.learningRate = 5e-3
        let initial = ParameterSet.initial(c, seed: 3)
        var trainer = try InProcessTrainer(config: c, bank: bank, pool: pool,
                                           sampler: EpisodeSampler(seed: 4), parameters: initial,
                                           optimizer: AdamW(layout: initial.layout, settings: settings))
        let before = PlantedFeatures.pixelAUROC(initial, pool, bank)
        var losses = [Double]()
        for _ in 0..<60 { losses.append(trainer.trainStep().loss.total) }
        let after = PlantedFeatures.pixelAUROC(trainer.parameters, pool, bank)
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        XCTAssertLessThan(last, 0.8 * first, "loss \(first) -> \(last)")
        XCTAssertGreaterThan(after, before + 0.1, "pixel AUROC \(before) -> \(after)")
        XCTAssertGreaterThan(after, 0.9)
    }

    func testAdamWMatchesHandComputedSteps() {
        // One parameter, gradients 0.5 then -1, lr 0.1, betas (0.5, 0.999), wd 0.1:
        // step 1: theta = 1 * (1 - 0.01) = 0.99; m = 0.25, v = 0.00025;
        //         theta -= (0.1 / 0.5) * 0.25 / (sqrt(0.00025) / sqrt(0.001) + 1e-8) -> 0.99 - 0.1
        let layout = ParameterLayout([("w", [1])])
        var p = ParameterSet(layout: layout, values: [1])
        var s = AdamW.Settings()
        s.learningRate = 0.1; s.weightDecay = 0.1
        var opt = AdamW(layout: layout, settings: s)
        opt.update(&p, gradientSum: [0.5], divisor: 1)
        XCTAssertEqual(p.values[0], 0.89, accuracy: 1e-6)
        // step 2: theta = 0.89 * 0.99 = 0.8811; m = 0.125 - 0.5 = -0.375;
        // v = 0.00024975 + 0.001 = 0.00124975; bc1 = 0.75, bc2 = 1 - 0.999^2 = 0.001999
        opt.update(&p, gradientSum: [-1], divisor: 1)
        let denom = (0.00124975).squareRoot() / (0.001999).squareRoot() + 1e-8
        XCTAssertEqual(Double(p.values[0]), 0.8811 - (0.1 / 0.75) * (-0.375) / denom, accuracy: 1e-6)
        XCTAssertEqual(opt.step, 2)
    }

    func testReductionTreeIsTheSameForEveryBlockAssignment() {
        var rng = SplitMix64(seed: 9)
        let chunks = (0..<7).map { _ in (0..<33).map { _ in rng.nextNormal() * 1e3 } }
        // One worker with all leaves.
        var single = ReductionTree(leafCount: 7)
        for (k, c) in chunks.enumerated() { single.insert(start: k, count: 1, sum: c) }
        let reference = single.root()!
        XCTAssertEqual(reference, ((chunks[0] .+ chunks[1]) .+ (chunks[2] .+ chunks[3])) .+ ((chunks[4] .+ chunks[5]) .+ chunks[6]))
        // Blocks of 4 + 2 + 1, and blocks of 2 + 2 + 2 + 1, computed as workers would.
        // Any order: a node is summed when its second child arrives.
        for blocks in [[(0, 4), (4, 2), (6, 1)], [(0, 2), (2, 2), (4, 2), (6, 1)], [(0, 8)], [(4, 4), (0, 4)],
                       [(6, 1), (2, 2), (5, 1), (0, 2), (4, 1)]] {
            var tree = ReductionTree(leafCount: 7)
            XCTAssertFalse(tree.isComplete)
            for (start, count) in blocks {
                // As a worker sums its block: its real chunks (padding past 7 adds nothing).
                var block = ReductionTree(leafCount: min(count, 7 - start))
                for k in start..<min(start + count, 7) { block.insert(start: k - start, count: 1, sum: chunks[k]) }
                tree.insert(start: start, count: count, sum: block.root()!)
            }
            XCTAssertTrue(tree.isComplete)
            XCTAssertEqual(tree.root()!, reference, "blocks \(blocks)")  // bitwise
        }
        // The tree adds in place into nodes it owns, never into a caller's leaves.
        var again = SplitMix64(seed: 9)
        XCTAssertEqual(chunks, (0..<7).map { _ in (0..<33).map { _ in again.nextNormal() * 1e3 } })
        XCTAssertFalse(single.isAlignedBlock(start: 2, count: 4))
        XCTAssertTrue(single.isAlignedBlock(start: 4, count: 4))
        // A sequential sum generally differs in the last bits: the tree order matters.
        var sequential = chunks[0]
        for c in chunks.dropFirst() { for i in sequential.indices { sequential[i] += c[i] } }
        XCTAssertNotEqual(sequential, reference)
    }

    /// The relay's owners each reduce one segment of the block sums on their own; the
    /// segments of their roots, put side by side, are the whole tree's root bit for bit
    /// (the tree is elementwise). A block overlapping one already in is recognised.
    func testSegmentsReducedApartAreTheWholeRootAndOverlapsAreSeen() {
        var rng = SplitMix64(seed: 10)
        let blocks = [(0, 2), (2, 2), (4, 2), (6, 1)]
        let sums = blocks.map { _ in (0..<29).map { _ in rng.nextNormal() * 1e3 } }
        var whole = ReductionTree(leafCount: 7)
        for (b, s) in zip(blocks, sums) { whole.insert(start: b.0, count: b.1, sum: s) }
        var joined = [Float]()
        for segment in [0..<10, 10..<11, 11..<29] {
            var tree = ReductionTree(leafCount: 7)
            for (b, s) in zip(blocks, sums).reversed() {
                XCTAssertFalse(tree.overlaps(start: b.0, count: b.1))
                tree.insert(start: b.0, count: b.1, sum: Array(s[segment]))
                XCTAssertTrue(tree.overlaps(start: b.0, count: b.1))
            }
            XCTAssertTrue(tree.overlaps(start: 0, count: 1), "a half of a block in the tree")
            XCTAssertTrue(tree.overlaps(start: 0, count: 8), "a block holding ones in the tree")
            joined += tree.root()!
        }
        XCTAssertEqual(joined, whole.root()!)
        var partial = ReductionTree(leafCount: 7)
        partial.insert(start: 2, count: 2, sum: sums[1])
        XCTAssertFalse(partial.overlaps(start: 0, count: 2))
        XCTAssertFalse(partial.overlaps(start: 4, count: 4))
        XCTAssertTrue(partial.overlaps(start: 0, count: 4))
        XCTAssertTrue(partial.overlaps(start: 3, count: 1))
    }

    func testEpisodesArePureFunctionsOfSeedAndStep() {
        let pool = PlantedFeatures.pool(seed: 1, perClass: 3)
        let s = EpisodeSampler(seed: 11)
        let e5 = s.episode(step: 5, pool: pool, classes: 3)
        XCTAssertEqual(e5, s.episode(step: 5, pool: pool, classes: 3))
        XCTAssertNotEqual(e5, s.episode(step: 6, pool: pool, classes: 3))
        XCTAssertEqual(e5.count, 6)
        XCTAssertEqual(e5.map { pool.images[$0.image].label }, [0, 0, 1, 1, 2, 2])
        XCTAssertNotEqual(e5[0].image, e5[1].image)
        XCTAssertEqual(s.chunks(step: 5, pool: pool, classes: 3).map(\.count), [2, 2, 2])
    }
}

final class CheckpointTests: XCTestCase {
    func testCheckpointRoundTripAndResumeContinueBitForBit() throws {
        let c = PlantedFeatures.config
        let pool = PlantedFeatures.pool(seed: 1)
        let bank = PlantedFeatures.bank(pool, seed: 2)
        let initial = ParameterSet.initial(c, seed: 3)
        func trainer(_ p: ParameterSet, _ o: AdamW) throws -> InProcessTrainer {
            try InProcessTrainer(config: c, bank: bank, pool: pool, sampler: EpisodeSampler(seed: 4),
                                 parameters: p, optimizer: o)
        }
        var straight = try trainer(initial, AdamW(layout: initial.layout))
        for _ in 0..<6 { _ = straight.trainStep() }

        var first = try trainer(initial, AdamW(layout: initial.layout))
        for _ in 0..<3 { _ = first.trainStep() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("step3.safetensors")
        try Checkpoint(parameters: first.parameters, optimizer: first.optimizer, seed: 4,
                       configDigest: c.digest).write(to: url)
        let loaded = try Checkpoint.read(from: url, layout: initial.layout, settings: AdamW.Settings())
        XCTAssertEqual(loaded.parameters, first.parameters)
        XCTAssertEqual(loaded.optimizer, first.optimizer)
        XCTAssertEqual(loaded.configDigest, c.digest)
        XCTAssertEqual(loaded.seed, 4)
        var resumed = try trainer(loaded.parameters, loaded.optimizer)
        for _ in 0..<3 { _ = resumed.trainStep() }
        XCTAssertEqual(resumed.parameters.values, straight.parameters.values)   // bitwise
        XCTAssertEqual(resumed.step, 6)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["step3.safetensors"])
    }

    func testCheckpointErrorsNameTheProblem() throws {
        let c = PlantedFeatures.config
        let layout = ParameterLayout(head: c)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        try Checkpoint(parameters: .initial(c, seed: 1), optimizer: AdamW(layout: layout), seed: 1,
                       configDigest: "x").write(to: url)
        let other = ParameterLayout(head: HeadConfig(jointDim: 16, visionWidth: 24, layers: [1, 2, 5], adapterRank: 4))
        XCTAssertThrowsError(try Checkpoint.read(from: url, layout: other, settings: .init())) {
            XCTAssertEqual("\($0)", "\(url.path): tensor param.adapter.5.w1 is missing")
        }
        var w = SafeTensorsWriter(metadata: ["format": "ultraad-checkpoint", "version": "9"])
        try w.add("x", Tensor(zeros: [1]))
        try w.write(to: url)
        XCTAssertThrowsError(try Checkpoint.read(from: url, layout: layout, settings: .init())) {
            XCTAssertTrue("\($0)".contains("checkpoint version 9 is not supported"), "\($0)")
        }
    }
}

infix operator .+: AdditionPrecedence
/// Element-wise Float32 sum, written out for the tests' expected trees.
private func .+ (a: [Float], b: [Float]) -> [Float] { zip(a, b).map { $0 + $1 } }
