import ArgumentParser
import Foundation
import Shared

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate two sites, train on one with local workers, evaluate on both, write a report.",
        discussion: """
        Needs no download and no arguments. It simulates two ultrasound sites (two scanners) in OUT/data, writes OUT/cluster.yaml, prepares features with builtin:tiny (a CLIP with seeded random weights: it shows the pipeline working, its numbers say nothing about a real CLIP), trains on site A with --local-workers worker processes, evaluates zero-shot and trained on sites A and B, and prints the metrics tables and the report's path. Edit OUT/cluster.yaml and use `ultraad run` to go further.
        """)
    @Option(help: "Worker processes to start on this host for training.") var localWorkers: Int = 2
    @Option(help: "Output folder (simulated data, run folder, cluster.yaml).") var out: String = "demo-run"
    @Option(help: "Images per class per site.") var perClass: Int = 16
    @Option(help: "Training steps.") var steps: Int = 150
    @Option(help: "Seed of the simulation, shots, parameters and episodes.") var seed: UInt64 = 0

    func validate() throws {
        guard localWorkers >= 1, perClass >= 6, steps >= 1 else {
            throw ValidationError("--local-workers and --steps must be at least 1, --per-class at least 6")
        }
    }

    func run() throws {
        bootstrapLogging()
        let root = URL(fileURLWithPath: out)
        let started = Date()
        func stage(_ s: String) {
            FileHandle.standardError.write(Data(String(format: "[%5.1f s] %@\n", Date().timeIntervalSince(started), s).utf8))
        }
        stage("simulating 2 sites x 3 classes x \(perClass) images")
        try SiteSimulation.write(to: root.appendingPathComponent("data").path, sites: 2, perClass: perClass,
                                 seed: seed, size: 128, overwrite: true)
        let configURL = root.appendingPathComponent("cluster.yaml")
        try Self.yaml(steps: steps, seed: seed).write(to: configURL, atomically: true, encoding: .utf8)
        let c = try ClusterConfig.load(path: configURL.path)
        if FileManager.default.fileExists(atPath: c.run.folder.path) { try FileManager.default.removeItem(at: c.run.folder) }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        stage("preparing: shots and frozen features (builtin:tiny)")
        _ = try PrepareRun.execute(c, threads: threads, extraction: .inProcess(threads: threads))
        stage("zero-shot evaluation (step 0)")
        let zero = try EvaluateRun.execute(c, checkpoint: nil, extraction: .inProcess(threads: threads), zeroShot: true,
                                           output: c.run.folder.appendingPathComponent("zero-shot"))
        stage("training \(steps) steps with \(localWorkers) local workers")
        try TrainRun(config: c, poolFile: nil, localWorkers: localWorkers, resume: false, quiet: true).execute()
        stage("evaluating the trained head")
        let trained = try EvaluateRun.execute(c, checkpoint: nil, extraction: .inProcess(threads: threads),
                                              notes: ["Zero-shot (step 0) report: zero-shot/report.html (and report.md)."])
        stage("exporting the model and predicting on six site-B images")
        let modelURL = root.appendingPathComponent("model.safetensors")
        let (model, _) = try ExportRun.execute(c, checkpoint: nil, to: modelURL)
        let siteB = root.appendingPathComponent("data/site-B")
        let images = ["normal", "benign", "malignant"].flatMap { label in
            (1...2).map { siteB.appendingPathComponent("\(label)/\(label) (\($0)).png").path }
        }
        let predictions = root.appendingPathComponent("predictions")
        try? FileManager.default.removeItem(at: predictions)   // a new model: no rows to continue
        _ = try PredictRun(model: model, weights: c.backbone.weights.description, images: images, out: predictions,
                           cache: c.fewShot.cache, threshold: 0.5, rawMaps: false, allowBackboneMismatch: false, settings: c,
                           extraction: .inProcess(threads: threads))
            .execute(modelPath: modelURL.path)
        stage("done")
        print("zero-shot (step 0):")
        print(EvaluateRun.table(zero, order: c.testSites), terminator: "")
        print("trained on A (\(steps) steps):")
        print(EvaluateRun.table(trained, order: c.testSites), terminator: "")
        print("report: \(c.run.folder.appendingPathComponent("report.html").path) (and report.md)")
        print("model: \(modelURL.path); predictions for six site-B images: \(predictions.appendingPathComponent("predictions.csv").path), pictures in \(predictions.appendingPathComponent("overlays").path)")
        print("tensorboard: tensorboard --logdir \(c.run.folder.path) (training curves in \(RunEvents.folder(c.run.folder).path))")
        print("builtin:tiny has seeded random weights: these numbers show the pipeline, not what a real CLIP does.")
    }

    static func yaml(steps: Int, seed: UInt64) -> String {
        """
        # Written by `ultraad demo`: two simulated sites, train on A, test on A and B.
        version: 1
        run: {name: demo, folder: run, seed: \(seed)}
        backbone: {weights: builtin:tiny}
        sites:
          - {name: A, path: data/site-A}
          - {name: B, path: data/site-B}
        train_sites: [A]
        test_sites: [A, B]
        fewshot: {shots: 4, cache: cache}
        model: {adapter_rank: 32}
        train: {steps: \(steps), queries_per_class: 2, chunk_size: 2, learning_rate: 2.0e-3, checkpoint_every: 50}
        eval: {overlays: 6}
        """
    }
}
