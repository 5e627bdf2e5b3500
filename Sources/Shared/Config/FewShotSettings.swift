import Foundation

extension ClusterConfig {
    /// `fewshot:` the support set: shots per class, its augmented views, the feature cache and
    /// the precision of the features in it.
    public struct FewShotSettings: Equatable, Sendable, Codable {
        /// An augmented view of a support image, applied to image and mask alike.
        public enum View: String, Equatable, Sendable, Codable, CaseIterable {
            case identity
            /// Horizontal flip.
            case hflip
            /// Rotation by +10 / -10 degrees.
            case rotPlus10 = "rot+10"
            case rotMinus10 = "rot-10"
            /// Intensity gain x0.8 / x1.25.
            case gain0_8 = "gain0.8"
            case gain1_25 = "gain1.25"
        }

        /// Support images per class (S).
        public var shots: Int
        /// A `shots.csv` to reuse instead of drawing the shots with the seed.
        public var shotsFile: URL?
        /// Views of every support image (V of them).
        public var views: [View]
        /// Feature cache folder.
        public var cache: URL
        /// How U and Z0 are stored in the cache, the pool, memory and on the wire.
        public var featureDType: FeatureDType

        public init(shots: Int = 8, shotsFile: URL? = nil, views: [View] = View.allCases, cache: URL,
                    featureDType: FeatureDType = .float32) {
            self.shots = shots; self.shotsFile = shotsFile; self.views = views; self.cache = cache
            self.featureDType = featureDType
        }

        /// The defaults, with the cache folder `cache` under `baseDirectory`.
        public init(baseDirectory: URL) {
            self.init(cache: ClusterConfig.resolvePath("cache", against: baseDirectory))
        }
    }
}
