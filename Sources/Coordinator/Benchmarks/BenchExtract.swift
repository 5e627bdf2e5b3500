import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct ExtractBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extract",
            abstract: "prepare's feature extraction end to end against the encoder alone.",
            discussion: """
            Writes --images PNG files of seeded noise (--width x --height, RGB; noise is the slowest kind of PNG to decode) to a temporary folder and removes it at the end. Then --rounds rounds, each timing two things with the extractor `prepare` builds (the model's input size, U and Z0 at the four quarter layers, the identity view):

            encoder: the images, decoded and viewed beforehand, through FrozenFeatureExtractor.extract in batches of 8, the batch `prepare` uses. This is the time extraction cannot go below.

            pipeline: what `prepare` runs in its own process for the views the cache lacks (FeatureSource.computeMissing): each file read, decoded and viewed, each batch encoded, each entry LZ4-compressed and written atomically to a new, empty cache.

            The medians over the rounds are printed with their ratio, pipeline over encoder: 1.00 means decoding and cache writes cost nothing beside the encoder.

            Example: ultraad bench extract --weights random:ViT-B-16 --images 64 --threads 2
            """)

        @Option(help: "A checkpoint, builtin:tiny, or random:ViT-B-16 / random:ViT-L-14 / random:ViT-L-14-336.")
        var weights: String = "random:ViT-B-16"
        @Option(help: "Image files to extract.") var images: Int = 64
        @Option(help: "Image width in pixels.") var width: Int = 560
        @Option(help: "Image height in pixels.") var height: Int = 450
        @Option(help: "CLIP threads (default: all cores).") var threads: Int?
        @Option(help: "Rounds of encoder and pipeline; the medians are printed.") var rounds: Int = 3

        func validate() throws {
            guard images >= 1, rounds >= 1 else { throw ValidationError("--images and --rounds must be at least 1") }
            guard width >= 16, height >= 16 else { throw ValidationError("--width and --height must be at least 16") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            let model = CLIPModel(source: weights, naming: nil, vision: try ClipBench.vision(weights), text: nil)
            let extractor = try FrozenFeatureExtractor(model: model, imageSize: nil, layers: nil, weightsDigest: weights,
                                                       preprocess: .crop, featureDType: .float32)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ultraad-bench-extract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var rng = SplitMix64(seed: 11)
            let entries = try (0..<images).map { i in
                let path = folder.appendingPathComponent(String(format: "image-%04d.png", i)).path
                try PNGImage.writeRGB8(path, width: width, height: height,
                                       pixels: (0..<(3 * width * height)).map { _ in rng.nextUniform() })
                return DatasetEntry(site: "bench", relativePath: (path as NSString).lastPathComponent, imagePath: path,
                                    maskPaths: [], label: .normal)
            }
            print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), \(weights), \(images) images of \(width) x \(height), "
                + "input \(extractor.imageSize) px, layers \(extractor.layers), batches of \(FeatureSource.batchSize)")
            let decoded = try FeatureSource.images(of: entries.map { ($0, ViewKind.identity) })
            _ = try extractor.extract(Array(decoded.prefix(FeatureSource.batchSize)), threads: threads)   // warm-up

            var encoder: [Double] = [], pipeline: [Double] = []
            for round in 1...rounds {
                var t0 = DispatchTime.now().uptimeNanoseconds
                for start in stride(from: 0, to: images, by: FeatureSource.batchSize) {
                    _ = try extractor.extract(Array(decoded[start..<min(start + FeatureSource.batchSize, images)]), threads: threads)
                }
                encoder.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)

                let source = FeatureSource(config: ClusterConfig.defaults(sites: [], baseDirectory: folder), extractor: extractor,
                                           cache: FeatureCache(root: folder.appendingPathComponent("cache-\(round)")),
                                           digests: ImageDigests(), folder: folder)
                t0 = DispatchTime.now().uptimeNanoseconds
                try source.computeMissing(entries.map { ($0, ViewKind.identity) }, extraction: .inProcess(threads: threads),
                                          progress: { _, _ in })
                pipeline.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                print(String(format: "round %d: encoder %.2f s, pipeline %.2f s (ratio %.3f)", round, encoder.last!, pipeline.last!,
                             pipeline.last! / encoder.last!))
            }
            let e = median(encoder), p = median(pipeline)
            print(String(format: "encoder: %.2f s (%.1f ms per image); pipeline: %.2f s (%.1f ms per image); ratio %.3f (medians of rounds)",
                         e, e * 1e3 / Double(images), p, p * 1e3 / Double(images), p / e))
        }
    }
}
