import Foundation
import Shared

/// Frozen features through the cache: computed where the cache lacks them, in this process
/// or on workers, read from the cache otherwise. `prepare` and `evaluate` (through
/// `RunInputs`) and `predict` use it alike.
struct FeatureSource {
    /// The coordinator and worker settings when workers extract.
    let config: ClusterConfig
    let extractor: FrozenFeatureExtractor
    let cache: FeatureCache
    /// Image file digests (the cache key), computed once per file.
    let digests: ImageDigests
    /// Where the coordinator writes its endpoint file while workers extract.
    let folder: URL

    /// Features of (entry, view) for many pairs: computed where the cache lacks them
    /// (`computeMissing`), read from the cache otherwise.
    func features(_ items: [(DatasetEntry, ViewKind)], extraction: FeatureExtraction,
                  progress: (Int, Int) -> Void) throws -> [ImageFeatures] {
        var out = [ImageFeatures?](repeating: nil, count: items.count)
        try computeMissing(items, extraction: extraction, progress: progress) { out[$0] = $1 }
        for (i, (entry, view)) in items.enumerated() where out[i] == nil {
            out[i] = try cachedFeatures(entry, view)
        }
        return out.map { $0! }
    }

    /// The cache's features of an image view, which must be there (`computeMissing`). An
    /// entry damaged on disk is named in a warning, computed again here and replaced.
    func cachedFeatures(_ entry: DatasetEntry, _ view: ViewKind) throws -> ImageFeatures {
        let digest = try digests.of(entry)
        let found: ImageFeatures?
        do {
            found = try cache.lookup(backbone: extractor.digest, image: digest, view: view.rawValue)
        } catch .damaged {
            let url = cache.url(backbone: extractor.digest, image: digest, view: view.rawValue)
            FileHandle.standardError.write(Data("warning: \(url.path): damaged feature cache entry of \(entry.imagePath) (\(view)); computing it again\n".utf8))
            let f = try extractHere([(entry, view)], threads: ProcessInfo.processInfo.activeProcessorCount)[0]
            try cache.store(f, backbone: extractor.digest, image: digest, view: view.rawValue)
            return f
        }
        guard let found else {
            throw CoordinatorError.run("\(cache.url(backbone: extractor.digest, image: digest, view: view.rawValue).path): the features of \(entry.imagePath) (\(view)) vanished from the cache")
        }
        return found
    }

    /// Computes the features of the image views the cache lacks, in batches of
    /// `batchSize`, in this process or on workers (`extraction`), and stores each in the
    /// cache as soon as it is computed; `computed` gets (item index, features) too.
    /// `progress` is called with (done, total).
    func computeMissing(_ items: [(DatasetEntry, ViewKind)], extraction: FeatureExtraction, progress: (Int, Int) -> Void,
                        computed: (Int, ImageFeatures) -> Void = { _, _ in }) throws {
        var misses = [ExtractionItem]()
        var keys = Set<String>()   // the same image view twice is computed once
        for (i, (entry, view)) in items.enumerated() {
            let digest = try digests.of(entry)
            if !isCached(image: digest, view), keys.insert("\(digest)/\(view.rawValue)").inserted {
                misses.append(ExtractionItem(index: i, entry: entry, digest: digest, view: view))
            }
        }
        var done = items.count - misses.count
        progress(done, items.count)
        FileHandle.standardError.write(Data("features: \(done) from the cache, \(misses.count) to compute (backbone \(extractor.digest))\n".utf8))
        guard !misses.isEmpty else { return }
        func record(_ m: ExtractionItem, _ f: ImageFeatures) {
            computed(m.index, f)
            done += 1
            progress(done, items.count)
        }
        func store(_ m: ExtractionItem, _ f: ImageFeatures) throws {
            try cache.store(f, backbone: extractor.digest, image: m.digest, view: m.view.rawValue)
            record(m, f)
        }
        let batches = stride(from: 0, to: misses.count, by: Self.batchSize).map {
            Array(misses[$0..<min($0 + Self.batchSize, misses.count)])
        }
        switch extraction {
        case .inProcess(let threads):
            // A pipeline of three: batch k + 1 is decoded and batch k - 1's entries are
            // written on other threads while batch k is encoded, so neither is a serial tail
            // of the encoder's time. Progress and `computed` come here, once a batch is stored.
            let cache = cache, backbone = extractor.digest
            func decode(_ batch: [ExtractionItem]) -> Pending<[Tensor]> {
                let views = batch.map { ($0.entry, $0.view) }
                return Pending { try Self.images(of: views) }
            }
            var decoding = decode(batches[0])
            var writing: (batch: [(ExtractionItem, ImageFeatures)], task: Pending<Void>)?
            defer { _ = try? writing?.task.value() }   // no write left running after an error
            func finishWriting() throws {
                guard let (batch, task) = writing else { return }
                try task.value()
                writing = nil
                for (m, f) in batch { record(m, f) }
            }
            for k in batches.indices {
                let images = try decoding.value()
                if k + 1 < batches.count { decoding = decode(batches[k + 1]) }
                let features = Array(zip(batches[k], try extractor.extract(images, threads: threads)))
                try finishWriting()
                let entries = features.map { (f: $0.1, image: $0.0.digest, view: $0.0.view.rawValue) }
                writing = (features, Pending {
                    for e in entries { try cache.store(e.f, backbone: backbone, image: e.image, view: e.view) }
                })
            }
            try finishWriting()
        case .workers(let workers):
            let coordinator = try ExtractionCoordinator(config: config, extractor: extractor, batches: batches,
                                                        workers: workers, folder: SessionFolder(url: folder))
            let local = LocalWorkers()
            defer { local.stop() }
            try local.start(count: workers.local, endpoint: coordinator.listener.localEndpoint,
                            settings: config.worker, keys: coordinator.listener.localWorkerKeys)
            try coordinator.run(store: store)
        }
    }

    /// Whether the cache holds the features of this image file's view.
    func isCached(image digest: String, _ view: ViewKind) -> Bool {
        FileManager.default.fileExists(atPath: cache.url(backbone: extractor.digest, image: digest, view: view.rawValue).path)
    }

    /// The features of image views computed in this process: each image decoded, its view
    /// applied, and the batch through CLIP.
    func extractHere(_ views: [(DatasetEntry, ViewKind)], threads: Int) throws -> [ImageFeatures] {
        try extractor.extract(try Self.images(of: views), threads: threads)
    }

    /// Each image file decoded and its view applied: the encoder's input.
    static func images(of views: [(DatasetEntry, ViewKind)]) throws -> [Tensor] {
        try views.map { entry, view in view.apply(toImage: try entry.loadImage()) }
    }

    /// Image views per EXTRACT (and per batch here): the unit of work and of progress, and
    /// one encoder pass (a view's features do not depend on its batch:
    /// `FrozenFeatureExtractor.extract`).
    static let batchSize = 8
}

/// Image file digests (the feature cache's key), each file read and hashed once.
final class ImageDigests {
    private var known: [String: String] = [:]

    func of(_ entry: DatasetEntry) throws -> String {
        if let d = known[entry.imagePath] { return d }
        let d = try entry.imageDigest()
        known[entry.imagePath] = d
        return d
    }

    /// Digests computed elsewhere (a duplicate scan reads every file too).
    func remember(_ digests: [String: String]) { known.merge(digests) { a, _ in a } }

    /// Every digest known so far, by image path.
    var all: [String: String] { known }
}
