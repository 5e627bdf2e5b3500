import Foundation

/// Which towers to load.
public struct CLIPTowers: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let vision = CLIPTowers(rawValue: 1)
    public static let text = CLIPTowers(rawValue: 2)
    public static let both: CLIPTowers = [.vision, .text]
}

/// Reads CLIP ViT weights from a safetensors checkpoint in either naming (`CLIPNaming`).
///
/// The architecture comes from the shapes: D from the class embedding, the patch size from
/// the convolution, the grid (and so the image size) from the position embedding, the
/// depth from the highest block number, the MLP width from the first MLP layer, d from the
/// projection. Heads are width / 64 unless `__metadata__` sets `vision_heads` /
/// `text_heads` (needed for ViT-H/14 and ViT-g, whose heads are 80 and 88 wide). The MLP
/// activation is QuickGELU unless the caller or `__metadata__["activation"]` says `gelu`.
/// F16 and BF16 tensors are converted to Float32 as they are read, one tensor at a time
/// with a file read (not through the mapping), so loading holds each weight once.
struct CLIPCheckpoint {
    let reader: SafeTensorsReader
    let file: String
    let naming: CLIPNaming
    let activation: ActivationKind

    static let headsKeys = (vision: "vision_heads", text: "text_heads")

    init(contentsOf url: URL, activation: ActivationKind?) throws(CLIPLoadError) {
        let reader: SafeTensorsReader
        do { reader = try SafeTensorsReader(contentsOf: url) } catch { throw .safetensors(error) }
        try self.init(reader: reader, activation: activation)
    }

    init(reader: SafeTensorsReader, activation: ActivationKind?) throws(CLIPLoadError) {
        self.reader = reader
        file = reader.file
        if let evidence = reader.names.first(where: { $0.hasPrefix("visual.layer1.") || $0.hasPrefix("visual.attnpool.") }) {
            throw .notViT(file: file, evidence: evidence)
        }
        let found = [CLIPNaming.huggingFace, .openCLIP].first { naming in
            reader.contains(naming.visionMarker) || reader.contains(naming.textMarker)
        }
        guard let found else {
            throw .notCLIP(file: file,
                           expected: [CLIPNaming.huggingFace.visionMarker, CLIPNaming.openCLIP.visionMarker,
                                      CLIPNaming.huggingFace.textMarker, CLIPNaming.openCLIP.textMarker],
                           sample: Array(reader.names.prefix(5)))
        }
        naming = found
        if let activation {
            self.activation = activation
        } else if let value = reader.metadata["activation"] {
            guard let kind = ActivationKind(rawValue: value) else {
                throw .invalidMetadata(file: file, key: "activation", value: value,
                                       reason: "expected one of \(ActivationKind.allCases.map(\.rawValue))")
            }
            self.activation = kind
        } else {
            self.activation = .quickGelu
        }
    }

    var hasVision: Bool { reader.contains(naming.visionMarker) }
    var hasText: Bool { reader.contains(naming.textMarker) }

    // MARK: - Towers

    func vision() throws(CLIPLoadError) -> CLIPVisionWeights {
        let keys = naming.vision
        guard hasVision else { throw .towerMissing(file: file, tower: "image") }
        let layers = try blockCount(keys, tower: "image")
        try requireAll(keys, layers: layers, tower: "image")
        let width = try shape(keys.embedding, rank: 1)[0]
        let conv = try shape(keys.patch ?? "", rank: 4)
        guard conv[0] == width, conv[1] == 3, conv[2] == conv[3], conv[2] > 0 else {
            throw .invalidArchitecture(file: file, tensor: keys.patch ?? "",
                                       reason: "shape \(conv) is not [\(width), 3, p, p]")
        }
        let patch = conv[2]
        let position = try shape(keys.position, rank: 2)
        let grid = Int(Double(max(position[0] - 1, 0)).squareRoot().rounded())
        guard position[1] == width, grid > 0, grid * grid + 1 == position[0] else {
            throw .invalidArchitecture(file: file, tensor: keys.position,
                                       reason: "shape \(position) is not [g*g + 1, \(width)] for a square grid g")
        }
        let (mlp, projectionDim) = try mlpAndProjection(keys, width: width)
        let config = CLIPVisionConfig(
            width: width, layers: layers, heads: try heads(width: width, tower: "image", key: Self.headsKeys.vision),
            patchSize: patch, imageSize: grid * patch, mlpWidth: mlp, projectionDim: projectionDim,
            activation: activation)
        return CLIPVisionWeights(
            config: config,
            patchEmbedding: try tensor(keys.patch ?? "", [width, 3, patch, patch]).reshaped([width, 3 * patch * patch]),
            classEmbedding: try tensor(keys.embedding, [width]),
            positionEmbedding: try tensor(keys.position, [grid * grid + 1, width]),
            lnPre: try layerNorm(keys.preWeight ?? "", keys.preBias ?? "", width),
            blocks: try (0..<layers).map { (i) throws(CLIPLoadError) in try block(keys.block(i), width: width, mlp: mlp) },
            lnPost: try layerNorm(keys.postWeight, keys.postBias, width),
            projection: try projection(keys, width: width, dim: projectionDim))
    }

    func text() throws(CLIPLoadError) -> CLIPTextWeights {
        let keys = naming.text
        guard hasText else { throw .towerMissing(file: file, tower: "text") }
        let layers = try blockCount(keys, tower: "text")
        try requireAll(keys, layers: layers, tower: "text")
        let embedding = try shape(keys.embedding, rank: 2)
        let (vocab, width) = (embedding[0], embedding[1])
        let position = try shape(keys.position, rank: 2)
        guard position[1] == width, position[0] >= 2 else {
            throw .invalidArchitecture(file: file, tensor: keys.position, reason: "shape \(position) is not [context >= 2, \(width)]")
        }
        let (mlp, projectionDim) = try mlpAndProjection(keys, width: width)
        let config = CLIPTextConfig(
            width: width, layers: layers, heads: try heads(width: width, tower: "text", key: Self.headsKeys.text),
            contextLength: position[0], vocabSize: vocab, mlpWidth: mlp, projectionDim: projectionDim,
            activation: activation)
        return CLIPTextWeights(
            config: config,
            tokenEmbedding: try tensor(keys.embedding, [vocab, width]),
            positionEmbedding: try tensor(keys.position, [position[0], width]),
            blocks: try (0..<layers).map { (i) throws(CLIPLoadError) in try block(keys.block(i), width: width, mlp: mlp) },
            lnFinal: try layerNorm(keys.postWeight, keys.postBias, width),
            projection: try projection(keys, width: width, dim: projectionDim))
    }

    // MARK: - Architecture

    /// One more than the highest block number present (so a gap shows up as missing tensors).
    func blockCount(_ keys: CLIPNaming.TowerKeys, tower: String) throws(CLIPLoadError) -> Int {
        var highest = -1
        for name in reader.names where name.hasPrefix(keys.blockPrefix) {
            let rest = name.dropFirst(keys.blockPrefix.count)
            if let number = Int(rest.prefix { $0.isNumber }) { highest = max(highest, number) }
        }
        if highest < 0 { throw .missingTensors(file: file, tower: tower, missing: keys.block(0).all) }
        return highest + 1
    }

    func requireAll(_ keys: CLIPNaming.TowerKeys, layers: Int, tower: String) throws(CLIPLoadError) {
        let needed = keys.topLevel + (0..<layers).flatMap { keys.block($0).all }
        let missing = needed.filter { !reader.contains($0) }
        if !missing.isEmpty { throw .missingTensors(file: file, tower: tower, missing: missing) }
    }

    func mlpAndProjection(_ keys: CLIPNaming.TowerKeys, width: Int) throws(CLIPLoadError) -> (Int, Int) {
        let fc = try shape(keys.block(0).fcWeight, rank: 2)
        guard fc[1] == width, fc[0] > 0 else {
            throw .wrongShape(file: file, tensor: keys.block(0).fcWeight, expected: [fc[0], width], actual: fc)
        }
        let proj = try shape(keys.projection, rank: 2)
        let (rows, cols) = keys.projectionTransposed ? (proj[1], proj[0]) : (proj[0], proj[1])
        guard rows == width, cols > 0 else {
            let expected = keys.projectionTransposed ? [cols, width] : [width, cols]
            throw .wrongShape(file: file, tensor: keys.projection, expected: expected, actual: proj)
        }
        return (fc[0], cols)
    }

    func heads(width: Int, tower: String, key: String) throws(CLIPLoadError) -> Int {
        if let value = reader.metadata[key] {
            guard let heads = Int(value), heads > 0, width % heads == 0 else {
                throw .invalidMetadata(file: file, key: key, value: value,
                                       reason: "not a positive divisor of the width \(width)")
            }
            return heads
        }
        guard width % 64 == 0 else { throw .unknownHeadCount(file: file, tower: tower, width: width, metadataKey: key) }
        return width / 64
    }

    // MARK: - Tensors

    func shape(_ name: String, rank: Int) throws(CLIPLoadError) -> [Int] {
        let entry: SafeTensorsEntry
        do { entry = try reader.entry(name) } catch { throw .safetensors(error) }
        guard entry.shape.count == rank else {
            throw .invalidArchitecture(file: file, tensor: name, reason: "rank \(entry.shape.count), expected \(rank)")
        }
        return entry.shape
    }

    func tensor(_ name: String, _ expected: [Int]) throws(CLIPLoadError) -> Tensor {
        let t: Tensor
        do { t = try reader.tensorReadingFile(name) } catch { throw .safetensors(error) }
        guard t.shape == expected else { throw .wrongShape(file: file, tensor: name, expected: expected, actual: t.shape) }
        return t
    }

    func layerNorm(_ weight: String, _ bias: String, _ width: Int) throws(CLIPLoadError) -> LayerNormWeights {
        LayerNormWeights(gamma: try tensor(weight, [width]), beta: try tensor(bias, [width]))
    }

    func linear(_ weight: String, _ bias: String, out: Int, in inWidth: Int) throws(CLIPLoadError) -> LinearWeights {
        LinearWeights(weight: try tensor(weight, [out, inWidth]), bias: try tensor(bias, [out]))
    }

    func block(_ k: CLIPNaming.BlockKeys, width: Int, mlp: Int) throws(CLIPLoadError) -> TransformerBlockWeights {
        let qkv: LinearWeights
        if k.qkvWeights.count == 1 {
            qkv = try linear(k.qkvWeights[0], k.qkvBiases[0], out: 3 * width, in: width)
        } else {
            // q, k, v stacked as the rows of one [3 D, D] matrix, as open_clip packs them.
            var w: [Float] = [], b: [Float] = []
            w.reserveCapacity(3 * width * width)
            for (wn, bn) in zip(k.qkvWeights, k.qkvBiases) {
                w += try tensor(wn, [width, width]).data
                b += try tensor(bn, [width]).data
            }
            qkv = LinearWeights(weight: Tensor(shape: [3 * width, width], data: w), bias: Tensor(shape: [3 * width], data: b))
        }
        return TransformerBlockWeights(
            ln1: try layerNorm(k.ln1Weight, k.ln1Bias, width),
            attentionIn: qkv,
            attentionOut: try linear(k.outWeight, k.outBias, out: width, in: width),
            ln2: try layerNorm(k.ln2Weight, k.ln2Bias, width),
            fc: try linear(k.fcWeight, k.fcBias, out: mlp, in: width),
            proj: try linear(k.projWeight, k.projBias, out: width, in: mlp))
    }

    /// The projection as [width, dim] (x @ P), transposing a Linear weight [dim, width].
    func projection(_ keys: CLIPNaming.TowerKeys, width: Int, dim: Int) throws(CLIPLoadError) -> Tensor {
        guard keys.projectionTransposed else { return try tensor(keys.projection, [width, dim]) }
        let t = try tensor(keys.projection, [dim, width])
        var out = [Float](repeating: 0, count: width * dim)
        for r in 0..<dim { for c in 0..<width { out[c * dim + r] = t.data[r * width + c] } }
        return Tensor(shape: [width, dim], data: out)
    }
}
