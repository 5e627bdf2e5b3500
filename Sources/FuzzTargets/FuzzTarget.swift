import Foundation
import Shared
import Tables

/// What each fuzz harness (fuzz/, docs/FUZZING.md) feeds its input to, in the main package
/// so that the suite replays every committed corpus input and reproducer through the same
/// calls (`FuzzCorpusTests`) without the instrumented build. A parser must turn any input
/// into a value or an error: a crash here is the bug.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safeTensors = "FuzzSafeTensors"
    case lz4 = "FuzzLZ4"
    case image = "FuzzImage"
    case messages = "FuzzMessages"
    case config = "FuzzConfig"
    case csv = "FuzzCSV"
    case tensorBoard = "FuzzTensorBoard"
    case vocabulary = "FuzzVocabulary"
    case checkpoint = "FuzzCheckpoint"
    case modelFile = "FuzzModelFile"
    case pool = "FuzzPool"
    case replay = "FuzzReplay"
    case featureCache = "FuzzFeatureCache"
    case shots = "FuzzShots"
    case spreadsheet = "FuzzSpreadsheet"
    case sites = "FuzzSites"

    /// The head whose layout `FuzzCheckpoint` reads checkpoints for (its seeds are of it):
    /// small, with every component, two adapted layers.
    public static let checkpointHead = HeadConfig(jointDim: 4, visionWidth: 6, layers: [1, 2], adapterRank: 2)
    /// The backbone digest and cache keys of the one feature cache entry `FuzzPool`'s cache
    /// holds, which its version 2 seeds name.
    public static let poolCacheKey = (backbone: "fuzz-backbone", image: "00000000000000aa", view: "identity")
    /// The cache key `FuzzFeatureCache` writes its input to.
    public static let cacheEntryKey = (backbone: "fuzz-backbone", image: "00000000000000bb", view: "hflip")

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .safeTensors:
            // The header, then every tensor's bytes as each reader converts them.
            guard let r = try? SafeTensorsReader(bytes: Data(bytes), file: "fuzz") else { return }
            for name in r.names {
                _ = try? r.tensor(name)
                _ = try? r.int32Tensor(name)
            }
        case .lz4:
            // As the bank, PARAMS pieces and cache entries arrive: under a size limit.
            _ = try? LZ4Frame.decompress(bytes, maxSize: 1 << 20)
            _ = try? LZ4Frame.decompressFloats(bytes, maxCount: 1 << 18)
            // As a worker reads BANK: a 16 GiB limit, so only the frame's own size bounds it.
            _ = try? LZ4Frame.decompress(bytes, maxSize: 1 << 34)
        case .image:
            if let image = try? ImageFile.decode(bytes, name: "fuzz", maxPixels: 1 << 20) { _ = image.maskValues() }
            _ = try? ImageFile.decodeRGB(bytes, name: "fuzz", maxPixels: 1 << 20)
        case .messages:
            Self.message(bytes)
        case .config:
            let text = String(decoding: bytes, as: UTF8.self)
            let base = URL(fileURLWithPath: "/nonexistent-fuzz")
            _ = try? ClusterConfig.parse(yaml: text, source: "fuzz.yaml", baseDirectory: base)
            _ = try? SweepPlan.parse(yaml: text, source: "fuzz.yaml", baseDirectory: base)
        case .csv:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? CSV.parse(text)
            _ = try? CSV.parse(text, separator: "\t")
        case .tensorBoard:
            guard let file = Self.temporaryFile("events", bytes) else { return }
            _ = try? TensorBoardEvents.read(file)
        case .vocabulary:
            Self.vocabulary(bytes)
        case .checkpoint:
            // As train --resume, evaluate and export read them: for a layout they know.
            guard let file = Self.temporaryFile("checkpoint", bytes) else { return }
            _ = try? Checkpoint.read(from: file, layout: ParameterLayout(head: Self.checkpointHead), settings: AdamW.Settings())
        case .modelFile:
            // As predict reads one, then builds its inference (bank keys, the smoothing filter).
            guard let file = Self.temporaryFile("model", bytes), let model = try? ModelFile.read(from: file) else { return }
            _ = model.inference
        case .pool:
            Self.pool(bytes)
        case .replay:
            // `ultraad-worker replay --in`: the file's reader, then its computation.
            guard let reader = try? SafeTensorsReader(bytes: Data(bytes), file: "fuzz"),
                  let replay = try? ReplayCase(reading: reader) else { return }
            _ = replay.run()
        case .featureCache:
            let key = Self.cacheEntryKey
            let cache = FeatureCache(root: Self.temporaryDirectory("cache"))
            let entry = cache.url(backbone: key.backbone, image: key.image, view: key.view)
            try? FileManager.default.createDirectory(at: entry.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard (try? Data(bytes).write(to: entry)) != nil else { return }
            _ = try? cache.lookup(backbone: key.backbone, image: key.image, view: key.view)
        case .shots:
            guard let file = Self.temporaryFile("shots.csv", bytes), let shots = try? ShotsFile.read(file.path) else { return }
            _ = shots.sites
        case .spreadsheet:
            // The label tables of BrEaST, UDIAT, BUS-BRA (LabelTable reads them through this).
            guard let file = Self.temporaryFile("table.xlsx", bytes) else { return }
            _ = try? Spreadsheet.firstSheetRows(ofFile: file.path)
        case .sites:
            guard let file = Self.temporaryFile("sites.yaml", bytes) else { return }
            _ = try? SitesFile.read(file.path)
        }
    }

    /// A folder of this process's own under the temporary directory (harnesses that read
    /// files run one process each, and several may run at once).
    static func temporaryDirectory(_ name: String) -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fuzz-\(name)-\(getpid())")
    }

    /// `bytes` in this process's own temporary file, for the readers that take a path.
    static func temporaryFile(_ name: String, _ bytes: [UInt8]) -> URL? {
        let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fuzz-\(getpid())-\(name)")
        return (try? Data(bytes).write(to: file)) != nil ? file : nil
    }

    /// A BPE vocabulary as prepare and `clip encode-text` load it, then the prompts through
    /// its tokenizer. An even first byte: the rest is open_clip's merges file (gzipped or
    /// not); an odd one: Hugging Face's vocab.json and merges.txt, the rest split at its first
    /// zero byte.
    static func vocabulary(_ all: [UInt8]) {
        guard let kind = all.first else { return }
        let bytes = all.dropFirst()
        let vocabulary: BPEVocabulary?
        if kind % 2 == 0 {
            guard let file = temporaryFile("bpe.txt.gz", Array(bytes)) else { return }
            vocabulary = try? BPEVocabulary.load(vocab: file.path, merges: nil, embeddingRows: 49_408)
        } else {
            let zero = bytes.firstIndex(of: 0) ?? bytes.endIndex
            guard let vocab = temporaryFile("vocab.json", Array(bytes[..<zero])),
                  let merges = temporaryFile("merges.txt", Array(bytes[zero...].dropFirst())) else { return }
            vocabulary = try? BPEVocabulary.load(vocab: vocab.path, merges: merges.path, embeddingRows: 49_408)
        }
        guard let vocabulary else { return }
        _ = try? CLIPTokenizer(vocabulary: vocabulary).tokenize(
            ["a photo of a benign breast lesion.", "<|startoftext|>Ultraschall: gutartig, 12 mm!<|endoftext|>", "maligne léSion 3"])
    }

    /// A prepared pool as train reads it: the file (a version 2 one takes its features from a
    /// cache holding one entry, `poolCacheKey`), the head its features imply, the pool's
    /// check and the bank.
    static func pool(_ bytes: [UInt8]) {
        guard let file = temporaryFile("pool", bytes) else { return }
        let cache = FeatureCache(root: poolCache)
        guard let prepared = try? PreparedPool.read(from: file, cache: cache, featureDType: .float32),
              let head = prepared.headConfig(model: ClusterConfig.ModelSettings()) else { return }
        guard (try? prepared.pool.validate(classes: head.classes)) != nil else { return }
        _ = prepared.bank
    }

    /// The cache `FuzzPool` reads version 2 pools with: one entry of the checkpoint head's
    /// sizes (4 patches), written once per process.
    static let poolCache: URL = {
        let root = temporaryDirectory("pool-cache")
        let c = checkpointHead, key = poolCacheKey
        let values: (Int) -> Tensor = { n in Tensor(shape: [n], data: (0..<n).map { Float($0 % 7) / 7 - 0.4 }) }
        let features = ImageFeatures(g: values(c.jointDim),
                                     u: c.layers.map { _ in values(4 * c.visionWidth).reshaped([4, c.visionWidth]) },
                                     z0: c.layers.map { _ in values(4 * c.jointDim).reshaped([4, c.jointDim]) })
        try? FeatureCache(root: root).store(features, backbone: key.backbone, image: key.image, view: key.view)
        return root
    }()

    /// What a socket delivers: the first byte picks the part (the fixed header, or one
    /// payload kind), the rest is its bytes.
    static func message(_ all: [UInt8]) {
        guard let kind = all.first else { return }
        let bytes = Array(all.dropFirst())
        switch kind % 16 {
        case 0: _ = try? MessageHeader.decode(bytes)
        case 1: _ = try? Hello(decoding: bytes)
        case 2: _ = try? Welcome(decoding: bytes)
        case 3: _ = try? ReadyPayload(decoding: bytes)
        case 4: _ = try? ErrorPayload(decoding: bytes)
        case 5: _ = try? TaskPayload(decoding: bytes)
        case 6: _ = try? ParamsPayload(decoding: bytes)
        case 7: _ = try? GradPayload(decoding: bytes)
        case 8: _ = try? BankPayload.decode(bytes)
        case 9: _ = try? TextPayload.decode(bytes, "fuzz")
        case 10: _ = try? ExtractPayload(decoding: bytes)
        case 11: _ = try? FeaturesPayload(decoding: bytes)
        case 12:   // a ROUTE, and the pieces its vector arrives in (a small one: each is a value)
            guard let route = try? RoutePayload(decoding: bytes), route.total <= 1 << 16 else { return }
            let vector = ScatteredVector(total: Int(route.total), pieces: route.allPieces)
            _ = (route.members.indices.map { route.owner(of: Int(route.members[$0].segmentStart)) }, vector.isComplete)
        case 13:   // a SEGMENT, PART or SUM piece, filled into a vector of 10 values in two segments
            guard let piece = try? SegmentPiece(decoding: bytes, "fuzz") else { return }
            var vector = ScatteredVector(total: 10, pieces: [0..<3, 3..<5, 5..<10])
            _ = try? vector.fill(piece.values, offset: piece.offset, what: "fuzz")
        case 14: _ = try? FetchPayload(decoding: bytes)
        default: _ = try? ViewsPayload(decoding: bytes)
        }
    }
}
