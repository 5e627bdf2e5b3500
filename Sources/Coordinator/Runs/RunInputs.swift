import Datasets
import Foundation
import Shared

/// What prepare and evaluate both need from a cluster.yaml: the sites' datasets, the
/// few-shot splits, the frozen CLIP and the feature cache.
struct RunInputs {
    let config: ClusterConfig
    let datasets: [String: Dataset]
    /// Support / test split of each training site (from shots.csv when the run has one).
    let splits: [String: FewShotSplit]
    /// Patients and duplicates across the sites: what no test image may share with a shot.
    let groups: SplitGroups
    /// The duplicates found in every site, which the groups merge (nil with
    /// data.merge_duplicates off: no image is decoded for them then).
    let scan: DuplicateScan?
    let clip: CLIPModel
    let extractor: FrozenFeatureExtractor
    let cache: FeatureCache
    /// Image file digests (the cache key), computed once per file.
    let digests = ImageDigests()
    /// The features of image views, through the cache.
    var source: FeatureSource { FeatureSource(config: config, extractor: extractor, cache: cache, digests: digests, folder: runFolder) }

    var runFolder: URL { config.run.folder }
    /// The views of each support image (fewshot.views), in order.
    var views: [ViewKind] { config.fewShot.views.compactMap { ViewKind(rawValue: $0.rawValue) } }
    /// The training sites' support images, in shot order.
    var support: [DatasetEntry] { config.trainSites.compactMap { splits[$0] }.flatMap(\.support) }
    /// Each support image with each of its views: the views of the pool, in its order.
    var supportViews: [(DatasetEntry, ViewKind)] { support.flatMap { e in views.map { (e, $0) } } }
    var shotsFile: URL { runFolder.appendingPathComponent("shots.csv") }

    /// Loads datasets and the backbone; draws the shots (or reads them from
    /// fewshot.shots_file, or from the run's own shots.csv when `reuseRunShots`).
    /// `memo`: datasets, duplicate scans and backbones an earlier run of this process
    /// loaded with the same settings (a sweep's cells), used instead of loading them again.
    init(config c: ClusterConfig, reuseRunShots: Bool, memo: RunInputsMemo? = nil) throws {
        config = c
        var datasets = [String: Dataset]()
        let options = Dataset.Options(skipBad: c.data.skipBad, maskThreshold: Float(c.data.maskThreshold))
        var loaded: [Dataset] = []
        for site in c.sites {
            let d = try memo?.dataset(site, options) ?? Dataset.load(site, options: options)
            if memo?.remember(site, options, d) ?? true {
                for bad in d.skipped { FileHandle.standardError.write(Data("warning: skipped \(bad)\n".utf8)) }
            }
            datasets[site.name] = d
            loaded.append(d)
        }
        self.datasets = datasets
        // The scan decodes every image the memo does not know: only where the split needs it.
        var scan: DuplicateScan?
        if c.data.mergeDuplicates {
            let key = "\(c.sites) \(options) \(c.fewShot.cache.path)"
            let found = try memo?.scans[key] ?? Self.scan(loaded, config: c)
            memo?.scans[key] = found
            scan = found
            digests.remember(found.fileDigests)
        }
        self.scan = scan
        let groups = SplitGroups(datasets: loaded, duplicates: scan?.groups.map(\.members) ?? [])
        self.groups = groups
        let train = c.trainSites.compactMap { datasets[$0] }
        var splits = [String: FewShotSplit]()
        let runShots = c.run.folder.appendingPathComponent("shots.csv")
        if let file = c.fewShot.shotsFile ?? (reuseRunShots && FileManager.default.fileExists(atPath: runShots.path) ? runShots : nil) {
            for s in try ShotsFile.read(file.path).splits(train) { splits[s.site] = s }
        } else {
            let classes = LesionClass.allCases.filter { $0.rawValue < c.model.classes.count }
            for d in train {
                splits[d.name] = try d.drawShots(perClass: c.fewShot.shots, seed: c.run.seed, classes: classes,
                                                 groupOf: groups.key, conflicted: groups.conflicted)
            }
        }
        self.splits = splits
        let backboneKey = "\(c.backbone) \(c.fewShot.cache.path) \(c.fewShot.featureDType)"
        if let known = memo?.backbones[backboneKey] {
            (clip, extractor) = known
        } else {
            clip = try CLIPModel.load(c.backbone.weights.description)
            let weights = try WeightsDigest.of(c.backbone.weights.description, memo: FeatureCache.weightsMemo(root: c.fewShot.cache))
            extractor = try FrozenFeatureExtractor(model: clip, imageSize: c.backbone.imageSize, layers: c.backbone.layers,
                                                   weightsDigest: weights, preprocess: c.backbone.preprocess,
                                                   featureDType: c.fewShot.featureDType)
            memo?.backbones[backboneKey] = (clip, extractor)
        }
        if let memo { digests.remember(memo.fileDigests) }
        cache = FeatureCache(root: c.fewShot.cache)
    }

    /// Hands the image digests computed for this run to the memo (the next cell's run).
    func share(with memo: RunInputsMemo?) { memo?.fileDigests.merge(digests.all) { a, _ in a } }

    /// Every image of `datasets` fingerprinted and grouped (through the fingerprint memo).
    static func scan(_ datasets: [Dataset], config c: ClusterConfig) throws -> DuplicateScan {
        try DuplicateScan.run(datasets, cache: c.fewShot.cache, progress: LineProgress(label: "duplicate check").callAsFunction)
    }

    /// Test images of a site: every image that is not a shot and shares no patient or
    /// duplicate group with one (of any training site); `excluded` are those left out for
    /// sharing a group.
    func testEntries(_ site: String) -> (test: [DatasetEntry], excluded: [DatasetEntry]) {
        guard let d = datasets[site] else { return ([], []) }
        return groups.testEntries(of: d, support: splits.values.flatMap(\.support))
    }
}

/// What loading a run's inputs produced that the next run of the same process can use as
/// it is: each is a pure function of the settings in its key (a sweep runs many cells in
/// one process; loading a ViT-L and hashing every image once per cell would dominate).
final class RunInputsMemo {
    private var datasets: [String: Dataset] = [:]
    var scans: [String: DuplicateScan] = [:]
    var backbones: [String: (CLIPModel, FrozenFeatureExtractor)] = [:]
    var fileDigests: [String: String] = [:]

    private func key(_ site: ClusterConfig.SiteSettings, _ options: Dataset.Options) -> String { "\(site) \(options)" }

    func dataset(_ site: ClusterConfig.SiteSettings, _ options: Dataset.Options) -> Dataset? { datasets[key(site, options)] }

    /// Keeps a dataset; true when it was not known (its warnings are new).
    func remember(_ site: ClusterConfig.SiteSettings, _ options: Dataset.Options, _ d: Dataset) -> Bool {
        datasets.updateValue(d, forKey: key(site, options)) == nil
    }
}
