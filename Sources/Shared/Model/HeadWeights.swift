import Foundation

/// The trainable tensors of one parameter version, read out of the flat `ParameterSet`
/// once per chunk so that the forward and backward passes index them by field. A group is
/// nil when the head switches its component off (docs/METHOD.md, "Ablations").
struct HeadWeights: Sendable {
    struct MLP: Sendable {   // x -> relu(x W1 + b1) W2 + b2
        let w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor
        init(_ p: ParameterSet, _ prefix: String) {
            w1 = p.tensor("\(prefix).w1"); b1 = p.tensor("\(prefix).b1")
            w2 = p.tensor("\(prefix).w2"); b2 = p.tensor("\(prefix).b2")
        }
    }
    struct Fuse: Sendable { let wq: Tensor, wo: Tensor }   // [d, d] each
    struct Cache: Sendable { let alpha: Float, beta: Float }

    let offset: Tensor?           // E: [2, d]
    let meta: MLP?                // d -> d/16 -> d
    let adapterW1: [Tensor]?      // per layer: [D, r]
    let adapterW2: [Tensor]?      // per layer: [r, d]
    let fuse: Fuse?
    let mini: MLP?                // d -> d/4 -> d
    let cache: Cache?
    /// Patch tokens are centred over the image (docs/METHOD.md step 2) unless `centre` is off.
    let centres: Bool

    init(_ p: ParameterSet, _ c: HeadConfig) {
        offset = c.keeps(.learnedPrompt) ? p.tensor("prompt.offset") : nil
        meta = c.keeps(.imagePrompt) ? MLP(p, "meta") : nil
        let adapted = c.keeps(.patchAdapter)
        adapterW1 = adapted ? c.layers.map { p.tensor("adapter.\($0).w1") } : nil
        adapterW2 = adapted ? c.layers.map { p.tensor("adapter.\($0).w2") } : nil
        fuse = c.keeps(.fuse) ? Fuse(wq: p.tensor("fuse.wq"), wo: p.tensor("fuse.wo")) : nil
        mini = c.keeps(.miniNet) ? MLP(p, "mini") : nil
        cache = c.keeps(.memoryBank)
            ? Cache(alpha: p.tensor("cache.log_alpha").data[0].exponential, beta: p.tensor("cache.log_beta").data[0].exponential)
            : nil
        centres = c.keeps(.centre)
    }
}

extension Float {
    var exponential: Float { Float(Foundation.exp(Double(self))) }
}
