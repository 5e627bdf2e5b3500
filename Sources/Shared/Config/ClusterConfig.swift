import Foundation

/// The effective configuration of a run: cluster.yaml (schema version 1) with every default
/// filled in and every relative path resolved against the config file's folder. The
/// committed `cluster.yaml` at the repository root documents each key.
///
/// Read one with `load(path:)` or `parse(yaml:source:baseDirectory:)`; build one in code
/// with `defaults(sites:trainSites:baseDirectory:)` and check it with `validate()`.
public struct ClusterConfig: Equatable, Sendable, Codable {
    /// The schema version this build reads and writes.
    public static let currentVersion = 1

    public var version: Int
    public var run: RunSettings
    public var backbone: BackboneSettings
    /// At least one; names unique.
    public var sites: [SiteSettings]
    /// Names from `sites` to draw the few-shot support set from.
    public var trainSites: [String]
    /// Names from `sites` to evaluate on (default: all).
    public var testSites: [String]
    public var data: DataSettings
    public var fewShot: FewShotSettings
    public var model: ModelSettings
    public var train: TrainSettings
    public var eval: EvalSettings
    public var coordinator: CoordinatorSettings
    public var worker: WorkerSettings

    public init(version: Int = currentVersion, run: RunSettings, backbone: BackboneSettings = .init(),
                sites: [SiteSettings], trainSites: [String], testSites: [String]? = nil,
                data: DataSettings = .init(), fewShot: FewShotSettings, model: ModelSettings = .init(),
                train: TrainSettings = .init(), eval: EvalSettings = .init(),
                coordinator: CoordinatorSettings = .init(), worker: WorkerSettings = .init()) {
        self.version = version; self.run = run; self.backbone = backbone
        self.sites = sites; self.trainSites = trainSites; self.testSites = testSites ?? sites.map(\.name)
        self.data = data; self.fewShot = fewShot; self.model = model; self.train = train
        self.eval = eval; self.coordinator = coordinator; self.worker = worker
    }

    /// Every default of the schema, for the given sites. `trainSites` nil means the first
    /// site; the test sites are all sites; the run folder and the feature cache lie under
    /// `baseDirectory` (`runs/ultraad-run`, `cache`).
    public static func defaults(sites: [SiteSettings], trainSites: [String]? = nil,
                                baseDirectory: URL) -> ClusterConfig {
        ClusterConfig(run: RunSettings(baseDirectory: baseDirectory), sites: sites,
                      trainSites: trainSites ?? sites.prefix(1).map(\.name),
                      fewShot: FewShotSettings(baseDirectory: baseDirectory))
    }

    /// The site settings for a name in `sites`.
    public func site(named name: String) -> SiteSettings? {
        sites.first { $0.name == name }
    }
}
