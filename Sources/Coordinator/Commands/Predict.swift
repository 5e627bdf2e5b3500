import ArgumentParser
import Foundation
import Shared

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply an exported model to images nobody labelled.",
        discussion: """
        Reads the model file (`ultraad export`) and the CLIP weights it was trained with (--weights: the same file, checked by the digest of its content; `builtin:tiny` for the demo's), and scores every image: --images lists files, --folder takes every PNG, JPEG and BMP in a folder, --manifest takes the image column of a CSV (paths relative to it). No vocabulary is needed: the text embeddings travel in the model file.

        Frozen features are computed as `prepare` computes them: in this process, or with --local-workers or --workers on `ultraad-worker` processes (which need only the weights at the same path; remote workers connect to the endpoint written to DIR/coordinator.endpoint).

        Writes DIR/predictions.csv, one row per image as its batch finishes: path,image_score,p_detect,p_<class> for each class of the model,predicted,flagged (the same names and meanings as evaluate's RUN/scores.csv; flagged is image_score >= --threshold, empty without one), and DIR/predictions.json (the backbone check, the threshold, how many images were scored, and every image that could not be read, with the reason: such images are skipped, never the batch). For every image it also writes DIR/maps/NAME.png (the anomaly map, 16-bit, at the image's own size; 0 outside CLIP's centre crop, which was not looked at) and DIR/overlays/NAME.png (the image, its map and the overlay side by side, with a colour bar and the scores). Run again with the same --out, it continues where it stopped. Frozen features are cached in --cache (default DIR/cache), so a second predict of the same images skips CLIP.

        Examples:
          ultraad predict --model model.safetensors --weights weights/ViT-L-14-336.safetensors --folder scans/ --out predictions
          ultraad predict --model model.safetensors --weights builtin:tiny --images a.png b.jpg --out out --threshold 0.6
        """)
    @Option(help: "The model file (`ultraad export`).") var model: String
    @Option(help: "The CLIP weights the model was trained with (a .safetensors file, or builtin:tiny).") var weights: String
    @Option(parsing: .upToNextOption, help: "Image files to score.") var images: [String] = []
    @Option(help: "A folder whose image files (PNG, JPEG, BMP) to score.") var folder: String?
    @Option(help: "A CSV whose image column lists the files to score (relative to it).") var manifest: String?
    @Option(help: "The output folder.") var out: String
    @Option(help: "The feature cache (default: OUT/cache).") var cache: String?
    @Option(help: "Flag images whose image score is at least this.") var threshold: Double?
    @Flag(help: "Also write OUT/maps.safetensors: every map as float32 at its image's size (NaN where not evaluated), named by the image's path.")
    var rawMaps = false
    @Flag(help: "Apply the model with CLIP weights of another content than it was trained with (recorded in predictions.json).")
    var allowBackboneMismatch = false
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions
    @OptionGroup var listen: ListenOptions

    func validate() throws {
        let sources = [!images.isEmpty, folder != nil, manifest != nil].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of --images, --folder and --manifest") }
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("--model \(model) does not exist") }
        if let folder, !FileManager.default.fileExists(atPath: folder) { throw ValidationError("--folder \(folder) does not exist") }
        if let manifest, !FileManager.default.fileExists(atPath: manifest) { throw ValidationError("--manifest \(manifest) does not exist") }
    }

    func run() throws {
        let file = try ModelFile.read(from: URL(fileURLWithPath: model))
        let outURL = URL(fileURLWithPath: out)
        let list = try PredictRun.images(listed: images, folder: folder, manifest: manifest)
        let settings = try ClusterConfig.defaults(sites: [], baseDirectory: outURL)
            .overridden(by: { c in workers.apply(to: &c); try listen.apply(to: &c) }, source: "predict", requiringSites: false)
        let summary = try PredictRun(model: file, weights: weights, images: list, out: outURL,
                                     cache: cache.map { URL(fileURLWithPath: $0) } ?? outURL.appendingPathComponent("cache"),
                                     threshold: threshold, rawMaps: rawMaps, allowBackboneMismatch: allowBackboneMismatch,
                                     settings: settings, extraction: extraction.extraction(workers)).execute(modelPath: model)
        print("predicted \(summary.predicted) image(s) -> \(outURL.appendingPathComponent("predictions.csv").path)")
        if !summary.skipped.isEmpty {
            print("skipped \(summary.skipped.count) image(s) that could not be read:")
            for s in summary.skipped { print("  \(s.reason)") }
        }
    }
}
