import Datasets
import Foundation
import Shared

/// `predict`: a model file applied to images nobody labelled. Writes DIR/predictions.csv
/// (one row per image, appended as results arrive, so an interrupted predict continues
/// where it stopped) and DIR/predictions.json (the summary, written at the end).
struct PredictRun {
    let model: ModelFile
    let weights: String
    let images: [String]
    let out: URL
    let cache: URL
    let threshold: Double?
    /// Also write DIR/maps.safetensors (`RawMapsFile`).
    let rawMaps: Bool
    let allowBackboneMismatch: Bool
    /// The coordinator and worker settings when workers extract (`extraction`).
    let settings: ClusterConfig
    let extraction: FeatureExtraction

    struct Skipped: Codable { var path: String; var reason: String }

    struct Summary: Codable {
        var model: String
        var weights: String
        var backboneCheck: String
        var threshold: Double?
        var classes: [String]
        var predicted: Int
        var skipped: [Skipped]
        enum CodingKeys: String, CodingKey {
            case model, weights, backboneCheck = "backbone_check", threshold, classes, predicted, skipped
        }
    }

    /// The rows of predictions.csv (header included) before the first image of this run.
    static func columns(classes: [String]) -> [String] {
        ["path", "image_score", "p_detect"] + classes.map { "p_" + $0 } + ["predicted", "flagged"]
    }

    func execute(modelPath: String) throws -> Summary {
        let digest = try WeightsDigest.of(weights, memo: FeatureCache.weightsMemo(root: cache))
        var check = "the weights' content digest \(digest) is the model's"
        if digest != model.backbone.weightsDigest {
            let message = "\(weights): these CLIP weights (content digest \(digest)) are not the ones the model was trained with (\(model.backbone.weights), digest \(model.backbone.weightsDigest))"
            guard allowBackboneMismatch else {
                throw CoordinatorError.run(message + "; give those weights, or --allow-backbone-mismatch to apply the model anyway")
            }
            FileHandle.standardError.write(Data("warning: \(message); applied anyway (--allow-backbone-mismatch)\n".utf8))
            check = "MISMATCH allowed: weights digest \(digest), the model's \(model.backbone.weightsDigest)"
        }
        let clip = try CLIPModel.load(weights)
        let extractor = try FrozenFeatureExtractor(model: clip, imageSize: model.backbone.imageSize, layers: model.backbone.layers,
                                                   weightsDigest: digest, preprocess: model.backbone.preprocess,
                                                   featureDType: model.backbone.featureDType)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var config = settings
        config.fewShot.cache = cache
        config.backbone.weights = weights == ClusterConfig.BackboneSettings.Weights.builtinTinyName ? .builtinTiny : .file(URL(fileURLWithPath: weights))
        config.backbone.imageSize = model.backbone.imageSize
        config.backbone.layers = model.backbone.layers
        config.backbone.preprocess = model.backbone.preprocess
        config.fewShot.featureDType = model.backbone.featureDType
        let source = FeatureSource(config: config, extractor: extractor, cache: FeatureCache(root: cache), digests: ImageDigests(), folder: out)
        let inference = model.inference
        let csv = out.appendingPathComponent("predictions.csv")
        let columns = Self.columns(classes: model.classNames)
        // Rows are only continued for the same model: DIR/predict-model names it.
        let identity = "\(model.provenance.runName) config \(model.provenance.configDigest) step \(model.provenance.step) backbone \(model.backbone.weightsDigest)\n"
        let marker = out.appendingPathComponent("predict-model")
        if let previous = try? String(contentsOf: marker, encoding: .utf8), previous != identity, FileManager.default.fileExists(atPath: csv.path) {
            throw CoordinatorError.run("\(out.path) holds the predictions of another model (\(previous.trimmingCharacters(in: .newlines))): use another --out, or remove it")
        }
        if let failure = AtomicFile.write(Array(identity.utf8), to: marker, durable: false) {
            throw CoordinatorError.run("\(marker.path): cannot write: \(failure)")
        }
        let done = try Self.finished(csv, columns: columns)
        if done.isEmpty {
            try Data(CSV.format(columns).utf8).write(to: csv, options: .atomic)
        } else {
            FileHandle.standardError.write(Data("predict: \(done.count) image(s) already in \(csv.path); continuing with the rest\n".utf8))
        }
        var skipped: [Skipped] = []
        var todo: [DatasetEntry] = [], sizes: [String: (width: Int, height: Int)] = [:]
        for path in images where !done.contains(path) {
            let entry = DatasetEntry(site: "predict", relativePath: path, imagePath: path, maskPaths: [], label: .normal)
            do {
                let image = try entry.loadImage()
                sizes[path] = (image.shape[2], image.shape[1])
            } catch {
                FileHandle.standardError.write(Data("warning: skipped \(error)\n".utf8))
                skipped.append(Skipped(path: path, reason: "\(error)"))
                continue
            }
            todo.append(entry)
        }
        let maps = out.appendingPathComponent("maps"), pictures = out.appendingPathComponent("overlays")
        for folder in [maps, pictures] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        // Features of every image first (through the cache, in this process or on workers, as
        // prepare does); then the head, a batch at a time, each row written as it is scored.
        var raw = rawMaps ? try RawMapsFile(url: out.appendingPathComponent("maps.safetensors")) : nil
        // Images scored by an earlier run that stopped before writing its raw maps: their maps again.
        let mapOnly = raw.map { r in images.filter { done.contains($0) && !r.has($0) } } ?? []
        let again = mapOnly.map { DatasetEntry(site: "predict", relativePath: $0, imagePath: $0, maskPaths: [], label: .normal) }
        try source.computeMissing((todo + again).map { ($0, ViewKind.identity) }, extraction: extraction, progress: { _, _ in })
        let size = extractor.imageSize
        for entry in again {
            let image = try entry.loadImage()
            let (w, h) = (image.shape[2], image.shape[1])
            let p = inference.predict(try source.cachedFeatures(entry, .identity), size: (size, size))
            raw?.add(entry.imagePath, map: CropGeometry(size: size, width: w, height: h, mode: model.backbone.preprocess).mapOnImage(p.map.data), width: w, height: h)
        }
        let started = Date()
        var predicted = done.count
        let handle = try FileHandle(forWritingTo: csv)
        defer { try? handle.close() }
        try handle.seekToEnd()
        for start in stride(from: 0, to: todo.count, by: FeatureSource.batchSize) {
            let batch = Array(todo[start..<min(start + FeatureSource.batchSize, todo.count)])
            let features = try batch.map { try source.cachedFeatures($0, .identity) }
            var text = ""
            for (entry, f) in zip(batch, features) {
                let p = inference.predict(f, size: (size, size))
                let (w, h) = sizes[entry.imagePath]!
                let onImage = CropGeometry(size: size, width: w, height: h, mode: model.backbone.preprocess).mapOnImage(p.map.data)
                let mapURL = maps.appendingPathComponent(Self.mapName(entry.imagePath))
                if let failure = AtomicFile.write(try PNGImage.encodeGray16(width: w, height: h, values: onImage, name: mapURL.path),
                                                  to: mapURL, durable: false) {
                    throw CoordinatorError.run("\(mapURL.path): cannot write: \(failure)")
                }
                let best = p.probabilities.indices.max { p.probabilities[$0] < p.probabilities[$1] } ?? 0
                let flagged = threshold.map { Double(p.score) >= $0 }
                try writePicture(entry, map: onImage, width: w, height: h, prediction: p, predicted: model.classNames[best],
                                 flagged: flagged == true, to: pictures.appendingPathComponent(mapURL.lastPathComponent))
                raw?.add(entry.imagePath, map: onImage, width: w, height: h)
                text += CSV.format([entry.relativePath, ScoresFile.number(p.score), ScoresFile.number(p.detection)]
                                   + p.probabilities.map(ScoresFile.number) + [model.classNames[best], flagged.map { $0 ? "true" : "false" } ?? ""])
            }
            try handle.write(contentsOf: Data(text.utf8))
            predicted += batch.count
            let rate = Double(predicted - done.count) / max(Date().timeIntervalSince(started), 1e-9)
            let left = Double(todo.count - (start + batch.count)) / max(rate, 1e-9)
            FileHandle.standardError.write(Data(String(format: "predict: %d/%d images, %.1f images/s, ETA %.0f s\n",
                                                       predicted, done.count + todo.count, rate, left).utf8))
        }
        try raw?.write()
        let summary = Summary(model: modelPath, weights: weights, backboneCheck: check, threshold: threshold, classes: model.classNames,
                              predicted: predicted, skipped: skipped)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let failure = AtomicFile.write([UInt8](try encoder.encode(summary)) + [10], to: out.appendingPathComponent("predictions.json"), durable: false) {
            throw CoordinatorError.run("\(out.path)/predictions.json: cannot write: \(failure)")
        }
        return summary
    }

    /// The image beside its map beside the overlay, with the colour bar and the scores
    /// (`PredictionPicture`), its longer side at most `pictureSide`.
    func writePicture(_ entry: DatasetEntry, map: [Float], width w: Int, height h: Int, prediction p: HeadPrediction,
                      predicted: String, flagged: Bool, to url: URL) throws {
        let rgb = try entry.loadImage()
        let scale = min(1, Double(Self.pictureSide) / Double(max(w, h)))
        let pw = max(1, Int(Double(w) * scale)), ph = max(1, Int(Double(h) * scale)), plane = w * h
        var gray = [Float](repeating: 0, count: pw * ph), small = gray
        for y in 0..<ph {
            let sy = min(h - 1, Int((Double(y) + 0.5) / scale))
            for x in 0..<pw {
                let sx = min(w - 1, Int((Double(x) + 0.5) / scale)), i = sy * w + sx
                gray[y * pw + x] = 0.299 * rgb.data[i] + 0.587 * rgb.data[plane + i] + 0.114 * rgb.data[2 * plane + i]
                small[y * pw + x] = map[i]
            }
        }
        let probabilities = zip(model.classNames, p.probabilities).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: "  ")
        let verdict = "predicted \(predicted)" + (flagged ? " (flagged)" : "")
        let picture = PredictionPicture(gray: gray, map: small, width: pw, height: ph,
                                        caption: [String(format: "image score %.3f   detect %.3f", p.score, p.detection),
                                                  "p " + probabilities, verdict]).render()
        let png = try PNGImage.encodeRGB8(width: picture.width, height: picture.height, pixels: picture.pixels, name: url.path)
        if let failure = AtomicFile.write(png, to: url, durable: false) {
            throw CoordinatorError.run("\(url.path): cannot write: \(failure)")
        }
    }

    /// The longer side of a picture's panels, in pixels.
    static let pictureSide = 256

    /// DIR/maps/STEM-HASH.png: the file's stem reduced to safe characters (the report's
    /// `ReportText.safeName`), and 8 hex digits of the FNV-1a of its whole path, so two images
    /// of one name in two folders differ.
    static func mapName(_ path: String) -> String {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return "\(ReportText.safeName(stem))-\(fnv1aDigest(Array(path.utf8)).prefix(8)).png"
    }

    /// The paths predictions.csv already has a whole row for (empty when there is no file).
    /// A file with other columns is an error: it belongs to another model.
    static func finished(_ csv: URL, columns: [String]) throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: csv.path) else { return [] }
        let read = CSV.readText(csv.path)
        guard let text = read.text else { throw CoordinatorError.run("\(csv.path): cannot read: \(read.reason)") }
        let records: [CSVRecord]
        do { records = try CSV.parse(text) } catch { throw CoordinatorError.run("\(csv.path):\(error.line): \(error.reason)") }
        guard let header = records.first else { return [] }
        guard header.fields == columns else {
            throw CoordinatorError.run("\(csv.path) has the columns \(header.fields.joined(separator: ",")), not this model's (\(columns.joined(separator: ","))): use another --out")
        }
        return Set(records.dropFirst().filter { $0.fields.count == columns.count }.map { $0.fields[0] })
    }

    /// The image files named by --images, --folder (every image file in it, in natural
    /// order) or --manifest (its `image` column, relative to the manifest).
    static func images(listed: [String], folder: String?, manifest: String?) throws -> [String] {
        if let folder {
            let names = try FolderListing.entries(folder).filter(FolderListing.isImageName)
            return names.sorted { NaturalOrder.precedes((.normal, $0), (.normal, $1)) }.map { joinPath(folder, $0) }
        }
        if let manifest {
            let read = CSV.readText(manifest)
            guard let text = read.text else { throw CoordinatorError.run("\(manifest): cannot read: \(read.reason)") }
            let records: [CSVRecord]
            do { records = try CSV.parse(text) } catch { throw CoordinatorError.run("\(manifest):\(error.line): \(error.reason)") }
            guard let header = records.first, let column = header.fields.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == "image" }) else {
                throw CoordinatorError.run("\(manifest): no image column in the header")
            }
            let base = (manifest as NSString).deletingLastPathComponent
            return records.dropFirst().compactMap { r in
                column < r.fields.count && !r.fields[column].isEmpty ? joinPath(base.isEmpty ? "." : base, r.fields[column]) : nil
            }
        }
        return listed
    }
}
