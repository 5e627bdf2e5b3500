import ArgumentParser
import Foundation
import Shared

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the few-shot support sets and compute the frozen CLIP features for a run.",
        discussion: """
        Loads the sites of cluster.yaml, draws fewshot.shots support images per class from each training site with run.seed (or reuses fewshot.shots_file) and writes RUN/shots.csv; encodes every support view (fewshot.views) with the frozen CLIP, reading and filling the feature cache (fewshot.cache), so each image view goes through CLIP once across runs; encodes the text prompts; and writes RUN/pool.safetensors, the input of `ultraad train`.

        The image views missing from the cache are encoded in this process, or, with --local-workers or --workers, by `ultraad-worker` processes. Workers are sent EXTRACT batches of 8 views with the image files, so they need no copy of the data, only the weights file at the same path. Remote workers connect to the endpoint the coordinator logs and writes to RUN/coordinator.endpoint, and exit at the end.

        Examples:
          ultraad prepare --config cluster.yaml
          ultraad prepare --config cluster.yaml --local-workers 2
          ultraad prepare --config cluster.yaml --workers 4
        """)
    @OptionGroup var file: ConfigFile
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions

    func validate() throws { _ = try effectiveConfig() }

    func effectiveConfig() throws -> ClusterConfig { try file.load(workers.apply) }

    func run() throws {
        bootstrapLogging()
        let c = try effectiveConfig()
        let start = Date()
        let prepared = try PrepareRun.execute(c, threads: extraction.clipThreads, extraction: extraction.extraction(workers))
        let views = prepared.pool.images.map(\.views.count).reduce(0, +)
        print(String(format: "prepared %d support images (%d views) in %.1f s -> %@", prepared.pool.images.count,
                     views, Date().timeIntervalSince(start), c.run.folder.appendingPathComponent("pool.safetensors").path))
    }
}
