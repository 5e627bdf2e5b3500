/// Why a CLIP checkpoint could not be loaded. Every case names the file (or builtin name)
/// and, where one is involved, the tensor or metadata key.
public enum CLIPLoadError: Error, CustomStringConvertible, Equatable {
    /// The safetensors layer failed (unreadable file, bad header, unreadable dtype, ...).
    case safetensors(SafeTensorsError)
    /// `builtin:NAME` with a NAME that does not exist.
    case unknownBuiltin(name: String, known: [String])
    /// Neither naming's marker tensors are present; `sample` holds a few names that are.
    case notCLIP(file: String, expected: [String], sample: [String])
    /// The checkpoint is a CLIP, but its image tower is a ResNet (`visual.layer1...`),
    /// which this encoder does not implement.
    case notViT(file: String, evidence: String)
    /// Tensors that a CLIP ViT of the inferred architecture needs but the file lacks
    /// (all of them, in a fixed order).
    case missingTensors(file: String, tower: String, missing: [String])
    /// A tensor whose shape does not fit the architecture read from the others.
    case wrongShape(file: String, tensor: String, expected: [Int], actual: [Int])
    /// A shape that no CLIP ViT has (for example a non-square position grid).
    case invalidArchitecture(file: String, tensor: String, reason: String)
    /// The head count is not width / 64 and no usable metadata key says what it is.
    case unknownHeadCount(file: String, tower: String, width: Int, metadataKey: String)
    /// A metadata value that cannot be used.
    case invalidMetadata(file: String, key: String, value: String, reason: String)
    /// The requested tower is not in the checkpoint.
    case towerMissing(file: String, tower: String)
    /// The weights file could not be read (to digest its content).
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .safetensors(error): return error.description
        case let .unknownBuiltin(name, known):
            return "unknown builtin model \"builtin:\(name)\"; known: \(known.map { "builtin:\($0)" }.joined(separator: ", "))"
        case let .notCLIP(file, expected, sample):
            return "\(file): not a CLIP checkpoint: none of \(expected.map { "\"\($0)\"" }.joined(separator: ", ")) is present"
                + (sample.isEmpty ? " (the file holds no tensors)" : "; it holds e.g. \(sample.map { "\"\($0)\"" }.joined(separator: ", "))")
        case let .notViT(file, evidence):
            return "\(file): a ResNet CLIP (found \"\(evidence)\"); only CLIP ViT image towers are supported"
        case let .missingTensors(file, tower, missing):
            let shown = missing.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
            let more = missing.count > 20 ? ", ... (\(missing.count) in all)" : ""
            return "\(file): the \(tower) tower lacks \(missing.count) tensor(s): \(shown)\(more)"
        case let .wrongShape(file, tensor, expected, actual):
            return "\(file): tensor \"\(tensor)\" has shape \(actual), expected \(expected)"
        case let .invalidArchitecture(file, tensor, reason):
            return "\(file): tensor \"\(tensor)\": \(reason)"
        case let .unknownHeadCount(file, tower, width, key):
            return "\(file): the \(tower) width \(width) is not a multiple of 64, so the head count is unknown; "
                + "set __metadata__[\"\(key)\"] to it"
        case let .invalidMetadata(file, key, value, reason):
            return "\(file): __metadata__[\"\(key)\"] = \"\(value)\": \(reason)"
        case let .towerMissing(file, tower):
            return "\(file): the checkpoint has no \(tower) tower"
        case let .unreadable(file, reason):
            return "\(file): cannot read the weights: \(reason)"
        }
    }
}

/// Why an encoder could not run on the given input.
public enum CLIPEncodeError: Error, CustomStringConvertible, Equatable {
    /// Images must be [B, 3, H, W] with H, W at least one patch.
    case badImageShape(shape: [Int], patchSize: Int)
    /// A requested layer outside 1...depth.
    case layerOutOfRange(layer: Int, depth: Int)
    /// Token rows must be [n, contextLength] of ids below the vocabulary size.
    case badTokens(reason: String)
    /// The model has no tower for this (for example text on a vision-only checkpoint).
    case towerMissing(tower: String)

    public var description: String {
        switch self {
        case let .badImageShape(shape, patch):
            return "images must be [B, 3, H, W] with H and W at least the patch size \(patch); got \(shape)"
        case let .layerOutOfRange(layer, depth):
            return "layer \(layer) is outside 1...\(depth) (layers count from 1)"
        case let .badTokens(reason): return "token ids: \(reason)"
        case let .towerMissing(tower): return "the loaded model has no \(tower) tower"
        }
    }
}
