import Foundation
import Shared

/// What prepare and evaluate both need from a cluster.yaml: the sites' datasets, the
/// few-shot splits, the frozen CLIP and the feature cache.
struct RunInputs {
    let config: ClusterConfig
    let datasets: [String: Dataset]
    /// Support / test split of each training site (from shots.csv when the run has one).
    let splits: [String: FewShotSplit]
    let clip: CLIPModel
    let extractor: FrozenFeatureExtractor
    let cache: FeatureCache
    /// Image file digests (the cache key), computed once per file.
    let digests = ImageDigests()

    var runFolder: URL { config.run.folder }
    var shotsFile: URL { runFolder.appendingPathComponent("shots.csv") }

    /// Loads datasets and the backbone; draws the shots (or reads them from
    /// fewshot.shots_file, or from the run's own shots.csv when `reuseRunShots`).
    init(config c: ClusterConfig, reuseRunShots: Bool) throws {
        config = c
        var datasets = [String: Dataset]()
        let options = Dataset.Options(skipBad: c.data.skipBad, maskThreshold: Float(c.data.maskThreshold))
        for site in c.sites {
            let layout: Dataset.Layout = site.format == .csv ? .csv : .busi
            let d = try Dataset.load(site: site.name, from: site.path.path, layout: layout, options: options)
            for bad in d.skipped { FileHandle.standardError.write(Data("warning: skipped \(bad)\n".utf8)) }
            datasets[site.name] = d
        }
        self.datasets = datasets
        let train = c.trainSites.compactMap { datasets[$0] }
        var splits = [String: FewShotSplit]()
        let runShots = c.run.folder.appendingPathComponent("shots.csv")
        if let file = c.fewShot.shotsFile ?? (reuseRunShots && FileManager.default.fileExists(atPath: runShots.path) ? runShots : nil) {
            for s in try ShotsFile.read(file.path).splits(train) { splits[s.site] = s }
        } else {
            let classes = LesionClass.allCases.filter { $0.rawValue < c.model.classes.count }
            for d in train { splits[d.name] = try d.drawShots(perClass: c.fewShot.shots, seed: c.run.seed, classes: classes) }
        }
        self.splits = splits
        clip = try CLIPModel.load(c.backbone.weights.description)
        let weights = try WeightsDigest.of(c.backbone.weights.description, memo: FeatureCache.weightsMemo(root: c.fewShot.cache))
        extractor = try FrozenFeatureExtractor(model: clip, imageSize: c.backbone.imageSize, layers: c.backbone.layers,
                                               weightsDigest: weights)
        cache = FeatureCache(root: c.fewShot.cache)
    }

    /// Test images of a site: everything but the shots for a training site, else all.
    func testEntries(_ site: String) -> [DatasetEntry] {
        splits[site]?.test ?? datasets[site]?.entries ?? []
    }
}
