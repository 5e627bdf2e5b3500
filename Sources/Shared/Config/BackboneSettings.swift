import Foundation

extension ClusterConfig {
    /// `backbone:` the frozen CLIP: its weights, tokenizer files, input size and the layers
    /// whose patch tokens the head adapts.
    public struct BackboneSettings: Equatable, Sendable, Codable {
        /// `builtin:tiny` (seeded random weights, no download) or a CLIP `.safetensors` file
        /// in Hugging Face or open_clip naming.
        public enum Weights: Equatable, Sendable, Codable, CustomStringConvertible {
            case builtinTiny
            case file(URL)

            public static let builtinTinyName = "builtin:tiny"

            public var description: String {
                switch self {
                case .builtinTiny: return Self.builtinTinyName
                case let .file(url): return url.path
                }
            }
        }

        public var weights: Weights
        /// `vocab.json` (with `merges`) or `bpe_simple_vocab_16e6.txt.gz`; nil: the builtin
        /// byte-level vocabulary (only with `builtin:tiny`).
        public var vocab: URL?
        /// `merges.txt`, given together with a `vocab.json`.
        public var merges: URL?
        /// Input size S in pixels; nil: the checkpoint's own.
        public var imageSize: Int?
        /// Block numbers (from 1) whose patch tokens are used; nil: the four quarter points of
        /// the depth.
        public var layers: [Int]?
        /// How an image becomes the S x S input: `squash` the whole image, or CLIP's centre
        /// `crop` (the sides of a wide scan are then never looked at).
        public var preprocess: ImagePreprocess

        public init(weights: Weights = .builtinTiny, vocab: URL? = nil, merges: URL? = nil,
                    imageSize: Int? = nil, layers: [Int]? = nil, preprocess: ImagePreprocess = .squash) {
            self.weights = weights; self.vocab = vocab; self.merges = merges
            self.imageSize = imageSize; self.layers = layers; self.preprocess = preprocess
        }

        /// The layers to use for a backbone of `depth` blocks: `layers`, or the default ones
        /// (`FrozenFeatureExtractor.defaultLayers`).
        public func resolvedLayers(depth: Int) -> [Int] {
            layers ?? FrozenFeatureExtractor.defaultLayers(depth: depth)
        }
    }
}
