/// The trainable tensors of one parameter version, read out of the flat `ParameterSet`
/// once per chunk so that the forward and backward passes index them by field.
struct HeadWeights: Sendable {
    let offset: Tensor            // E: [2, d]
    let metaW1: Tensor, metaB1: Tensor, metaW2: Tensor, metaB2: Tensor
    let adapterW1: [Tensor]       // per layer: [D, r]
    let adapterW2: [Tensor]       // per layer: [r, d]
    let wq: Tensor, wo: Tensor    // [d, d]
    let miniW1: Tensor, miniB1: Tensor, miniW2: Tensor, miniB2: Tensor
    let alpha: Float, beta: Float

    init(_ p: ParameterSet, _ c: HeadConfig) {
        offset = p.tensor("prompt.offset")
        metaW1 = p.tensor("meta.w1"); metaB1 = p.tensor("meta.b1")
        metaW2 = p.tensor("meta.w2"); metaB2 = p.tensor("meta.b2")
        adapterW1 = c.layers.map { p.tensor("adapter.\($0).w1") }
        adapterW2 = c.layers.map { p.tensor("adapter.\($0).w2") }
        wq = p.tensor("fuse.wq"); wo = p.tensor("fuse.wo")
        miniW1 = p.tensor("mini.w1"); miniB1 = p.tensor("mini.b1")
        miniW2 = p.tensor("mini.w2"); miniB2 = p.tensor("mini.b2")
        alpha = p.tensor("cache.log_alpha").data[0].exponential
        beta = p.tensor("cache.log_beta").data[0].exponential
    }
}

extension Float {
    var exponential: Float { Float(Foundation.exp(Double(self))) }
}

import Foundation
