import Foundation

/// A training checkpoint: parameters, AdamW moments and step, in one safetensors file
/// written atomically (temporary file, fsync, rename: a crash leaves the old file or the
/// new one, never half of one).
///
/// Tensors: `param.NAME`, `adam.m.NAME`, `adam.v.NAME` for every trainable NAME (F32).
/// Metadata: format "ultraad-checkpoint", version "2", step, seed, config_digest, the
/// AdamW settings, and crc32c, the checksum of the tensor data, verified on reading
/// (version 1 had none). The episode sampler is a pure function of (seed, step), so the step is
/// all of its state.
public struct Checkpoint: Equatable, Sendable {
    public static let format = "ultraad-checkpoint"
    public static let version = "2"

    public var parameters: ParameterSet
    public var optimizer: AdamW
    public var seed: UInt64
    /// Digest of the configuration the run was started with; a resume under another
    /// configuration is refused.
    public var configDigest: String

    public init(parameters: ParameterSet, optimizer: AdamW, seed: UInt64, configDigest: String) {
        self.parameters = parameters; self.optimizer = optimizer
        self.seed = seed; self.configDigest = configDigest
    }

    public func write(to url: URL) throws(SafeTensorsError) {
        let s = optimizer.settings
        var w = SafeTensorsWriter(metadata: [
            "format": Self.format, "version": Self.version,
            "step": String(optimizer.step), "seed": String(seed), "config_digest": configDigest,
            "adamw": "lr=\(s.learningRate) betas=\(s.beta1),\(s.beta2) eps=\(s.epsilon) wd=\(s.weightDecay)",
        ])
        w.checksummed = true
        try w.add(parameters, prefix: "param.")
        try w.add(optimizer.m, prefix: "adam.m.")
        try w.add(optimizer.v, prefix: "adam.v.")
        try w.write(to: url)
    }

    /// Reads a checkpoint for a known layout; every missing or misshapen tensor, an unknown
    /// format or version, or a bad step is an error naming the file and the key.
    public static func read(from url: URL, layout: ParameterLayout,
                            settings: AdamW.Settings) throws(CheckpointError) -> Checkpoint {
        let file = url.path
        let r: SafeTensorsReader
        do { r = try SafeTensorsReader(contentsOf: url) } catch { throw .file(error) }
        guard r.metadata["format"] == format else {
            throw .invalid(file: file, "metadata format is \(r.metadata["format"].map { "\"\($0)\"" } ?? "missing"), expected \"\(format)\"")
        }
        guard r.metadata["version"] == version, r.metadata[SafeTensorsWriter.checksumKey] != nil else {
            throw .invalid(file: file, "checkpoint version \(r.metadata["version"] ?? "missing") is not supported (this build reads version \(version))")
        }
        guard let step = r.metadata["step"].flatMap(Int.init), step >= 0 else {
            throw .invalid(file: file, "metadata step is missing or not a whole number")
        }
        guard let seed = r.metadata["seed"].flatMap(UInt64.init) else {
            throw .invalid(file: file, "metadata seed is missing or not a whole number")
        }
        var params = ParameterSet(zeros: layout)
        var opt = AdamW(layout: layout, settings: settings)
        opt.step = step
        for e in layout.entries {
            for (prefix, target) in [("param.", 0), ("adam.m.", 1), ("adam.v.", 2)] {
                let name = prefix + e.name
                guard r.contains(name) else { throw .invalid(file: file, "tensor \(name) is missing") }
                let t: Tensor
                do { t = try r.tensor(name) } catch { throw .file(error) }
                guard t.shape == e.shape else {
                    throw .invalid(file: file, "tensor \(name) has shape \(t.shape), expected \(e.shape)")
                }
                switch target {
                case 0: params.set(e.name, t)
                case 1: opt.m.set(e.name, t)
                default: opt.v.set(e.name, t)
                }
            }
        }
        return Checkpoint(parameters: params, optimizer: opt, seed: seed,
                          configDigest: r.metadata["config_digest"] ?? "")
    }
}

public enum CheckpointError: Error, CustomStringConvertible {
    case file(SafeTensorsError)
    case invalid(file: String, String)

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case let .invalid(file, message): return "\(file): \(message)"
        }
    }
}

extension HeadConfig {
    /// Digest of the head's sizes and constants (sorted-key JSON).
    public var digest: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return fnv1aDigest((try? encoder.encode(self)) ?? Data())
    }
}
