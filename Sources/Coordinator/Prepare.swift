import ArgumentParser
import Foundation
import Shared

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the few-shot support sets and compute the frozen CLIP features for a run.",
        discussion: """
        Loads the sites of cluster.yaml, draws fewshot.shots support images per class from
        each training site with run.seed (or reuses fewshot.shots_file) and writes
        RUN/shots.csv; encodes every support view (fewshot.views) with the frozen CLIP,
        reading and filling the feature cache (fewshot.cache), so each image view goes
        through CLIP once across runs; encodes the text prompts; and writes
        RUN/pool.safetensors, the input of `ultraad train`.
        Example: ultraad prepare --config cluster.yaml
        """)
    @Option(help: "The run's cluster.yaml.") var config: String
    @Option(help: "Threads for CLIP (default: all cores).") var threads: Int?

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        bootstrapLogging()
        let c = try ClusterConfig.load(path: config)
        let t = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let start = Date()
        let prepared = try PrepareRun.execute(c, threads: t)
        let views = prepared.pool.images.map(\.views.count).reduce(0, +)
        print(String(format: "prepared %d support images (%d views) in %.1f s -> %@", prepared.pool.images.count,
                     views, Date().timeIntervalSince(start), c.run.folder.appendingPathComponent("pool.safetensors").path))
    }
}
