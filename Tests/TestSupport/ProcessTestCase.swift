import Foundation
import XCTest
import Shared

/// Shared set-up of the tests that run real coordinator and worker processes: a small
/// planted pool file in a temporary folder, the binaries, and helpers to read a run.
class ProcessTestCase: XCTestCase {
    var dir: URL!
    var poolFile: URL!
    let steps = 20

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        poolFile = try writeTestPool(in: dir)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var ultraad: URL { productsDirectory!.appendingPathComponent("ultraad") }

    func train(_ name: String, workers: Int, extra: [String] = [], environment: [String: String]? = nil) throws -> (URL, String) {
        let run = dir.appendingPathComponent(name)
        let (status, output) = try runProcess(ultraad, ["train", "--pool", poolFile.path, "--run", run.path,
                                                        "--steps", "\(steps)", "--seed", "7", "--adapter-rank", "4",
                                                        "--chunk-size", "2", "--learning-rate", "0.005",
                                                        "--checkpoint-every", "5", "--local-workers", "\(workers)"] + extra, environment: environment)
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

    /// The in-process loop's parameters after `steps` steps on `pool` (default: the test pool).
    func inProcessReference(pool: URL? = nil, featureDType: FeatureDType = .float32) throws -> [Float] {
        let c = PlantedFeatures.config
        let prepared = try PreparedPool.read(from: pool ?? poolFile, cache: nil, featureDType: featureDType)
        var settings = AdamW.Settings()
        settings.learningRate = 0.005
        let initial = ParameterSet.initial(c, seed: 7)
        var t = try InProcessTrainer(config: c, bank: prepared.bank, pool: prepared.pool,
                                     sampler: EpisodeSampler(seed: 7, queriesPerClass: 2, chunkSize: 2),
                                     parameters: initial, optimizer: AdamW(layout: initial.layout, settings: settings))
        for _ in 0..<steps { _ = t.trainStep() }
        return t.parameters.values
    }



}

/// The small prepared pool the distributed tests train on (PlantedFeatures, seed 1), written
/// to DIR/NAME, its U and Z0 stored as `featureDType`.
func writeTestPool(in dir: URL, name: String = "pool.safetensors", featureDType: FeatureDType = .float32) throws -> URL {
    var pool = PlantedFeatures.pool(seed: 1)
    for i in pool.images.indices { pool.images[i].views = pool.images[i].views.map { $0.stored(as: featureDType) } }
    var rng = SplitMix64(seed: 2)
    let prepared = PreparedPool(pool: pool, t0: HeadTestData.normals([2, 16], &rng),
                                pt: HeadTestData.normals([3, 16], &rng), layers: PlantedFeatures.config.layers)
    let url = dir.appendingPathComponent(name)
    try prepared.write(to: url)
    return url
}

extension ProcessTestCase {
    var worker: URL { productsDirectory!.appendingPathComponent("ultraad-worker") }

    func coordinatorArguments(_ run: URL, minWorkers: Int, extra: [String] = []) -> [String] {
        ["train", "--pool", poolFile.path, "--run", run.path, "--steps", "\(steps)", "--seed", "7",
         "--adapter-rank", "4", "--chunk-size", "2", "--learning-rate", "0.005", "--checkpoint-every", "5",
         "--workers", "\(minWorkers)", "--worker-timeout", "1", "--heartbeat", "0.2"] + extra
    }

    func lineCount(_ run: URL) -> Int {
        ((try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? "")
            .split(separator: "\n").count
    }

    func endpoint(_ run: URL) -> String? {
        (try? String(contentsOf: run.appendingPathComponent("coordinator.endpoint"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }






}

extension ProcessTestCase {
    func writeConfig(_ text: String) throws -> URL {
        let url = dir.appendingPathComponent("cluster.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
