import Foundation

/// A frozen CLIP: the towers that were asked for, from a checkpoint or a builtin.
public struct CLIPModel: Sendable {
    /// The checkpoint path or `builtin:NAME`.
    public var source: String
    /// The checkpoint's naming; nil for a builtin.
    public var naming: CLIPNaming?
    public var vision: CLIPVisionWeights?
    public var text: CLIPTextWeights?

    public init(source: String, naming: CLIPNaming?, vision: CLIPVisionWeights?, text: CLIPTextWeights?) {
        self.source = source
        self.naming = naming
        self.vision = vision
        self.text = text
    }

    /// Loads `spec`: `builtin:tiny` or the path of a safetensors checkpoint. Only the towers
    /// in `towers` are read (an image-only run never holds the text weights). `activation`
    /// overrides the checkpoint's (see `CLIPCheckpoint`).
    public static func load(_ spec: String, towers: CLIPTowers = .both,
                            activation: ActivationKind? = nil) throws(CLIPLoadError) -> CLIPModel {
        if spec.hasPrefix(CLIPBuiltin.prefix) {
            let name = String(spec.dropFirst(CLIPBuiltin.prefix.count))
            var model = try CLIPBuiltin.model(named: name)
            if !towers.contains(.vision) { model.vision = nil }
            if !towers.contains(.text) { model.text = nil }
            return model
        }
        let checkpoint = try CLIPCheckpoint(contentsOf: URL(fileURLWithPath: spec), activation: activation)
        return CLIPModel(
            source: spec, naming: checkpoint.naming,
            vision: towers.contains(.vision) ? try checkpoint.vision() : nil,
            text: towers.contains(.text) ? try checkpoint.text() : nil)
    }

    /// The image encoder, or `towerMissing`.
    public func imageEncoder() throws(CLIPEncodeError) -> CLIPImageEncoder {
        guard let vision else { throw .towerMissing(tower: "image") }
        return CLIPImageEncoder(weights: vision)
    }

    /// The text encoder, or `towerMissing`.
    public func textEncoder() throws(CLIPEncodeError) -> CLIPTextEncoder {
        guard let text else { throw .towerMissing(tower: "text") }
        return CLIPTextEncoder(weights: text)
    }
}
