import Foundation
import XCTest
@testable import Shared

/// Real coordinator and worker processes on real sockets (loopback and ipc).
final class DistributedTests: XCTestCase {
    var dir: URL!
    var poolFile: URL!
    let steps = 20

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pool = PlantedFeatures.pool(seed: 1)
        var rng = SplitMix64(seed: 2)
        let prepared = PreparedPool(pool: pool, t0: HeadTestData.normals([2, 16], &rng),
                                    pt: HeadTestData.normals([3, 16], &rng), layers: PlantedFeatures.config.layers)
        poolFile = dir.appendingPathComponent("pool.safetensors")
        try prepared.write(to: poolFile)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var ultraad: URL { productsDirectory!.appendingPathComponent("ultraad") }

    func train(_ name: String, workers: Int, extra: [String] = []) throws -> (URL, String) {
        let run = dir.appendingPathComponent(name)
        let (status, output) = try runProcess(ultraad, ["train", "--pool", poolFile.path, "--run", run.path,
                                                        "--steps", "\(steps)", "--seed", "7", "--adapter-rank", "4",
                                                        "--chunk-size", "2", "--learning-rate", "0.005",
                                                        "--checkpoint-every", "5", "--local-workers", "\(workers)",
                                                        "--min-workers", "\(workers)"] + extra)
        XCTAssertEqual(status, 0, output)
        return (run, output)
    }

    func finalParameters(_ run: URL, step: Int? = nil) throws -> [Float] {
        let url = run.appendingPathComponent(String(format: "checkpoints/step-%08d.safetensors", step ?? steps))
        return try Checkpoint.read(from: url, layout: ParameterLayout(head: PlantedFeatures.config),
                                   settings: .init()).parameters.values
    }

    func metrics(_ run: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func inProcessReference() throws -> [Float] {
        let c = PlantedFeatures.config
        let prepared = try PreparedPool.read(from: poolFile)
        var settings = AdamW.Settings()
        settings.learningRate = 0.005
        let initial = ParameterSet.initial(c, seed: 7)
        var t = try InProcessTrainer(config: c, bank: prepared.bank, pool: prepared.pool,
                                     sampler: EpisodeSampler(seed: 7, queriesPerClass: 2, chunkSize: 2),
                                     parameters: initial, optimizer: AdamW(layout: initial.layout, settings: settings))
        for _ in 0..<steps { _ = t.trainStep() }
        return t.parameters.values
    }

    func testOneTwoAndThreeWorkersGiveTheSameBitsAsTheInProcessLoop() throws {
        let reference = try inProcessReference()
        for workers in [1, 2, 3] {
            let (run, _) = try train("w\(workers)", workers: workers)
            XCTAssertEqual(try finalParameters(run), reference, "\(workers) workers")
            let lines = try metrics(run)
            XCTAssertEqual(lines.count, steps)
            XCTAssertEqual(lines.last?["bank_sends"] as? Int, workers, "the bank goes once to each worker")
            let perWorker = try XCTUnwrap(lines.last?["bank_sends_per_worker"] as? [String: Int])
            XCTAssertTrue(perWorker.values.allSatisfy { $0 == 1 })
        }
    }
}
