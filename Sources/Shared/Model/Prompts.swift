/// Step 1 of docs/METHOD.md, image-informed prompts, for one query:
///   gh = n(g); pi = relu(gh W_m1 + b_m1) W_m2 + b_m2; p_c = n(T0_c + E_c + pi),
/// with pi = 0 when `image_prompt` is switched off and E = 0 when `learned_prompt` is.
struct Prompts {
    let gh: Tensor        // [1, d]
    let pre: Tensor?      // [1, d/16]  gh W_m1 + b_m1 (nil without the meta-net)
    let hidden: Tensor?   // [1, d/16]  relu(pre)
    let p: Tensor         // [2, d]     normalized prompts (row 0 normal, row 1 abnormal)
    let norms: [Float]    // [2]        ||T0_c + E_c + pi||

    init(gh: Tensor, bank: MemoryBank, w: HeadWeights) {
        self.gh = gh
        var q = bank.t0                                                         // [2, d]
        if let offset = w.offset { q = q + offset }
        if let meta = w.meta {
            let pre = gh.matmul(meta.w1).addingRowVector(meta.b1)
            let hidden = Activation.relu(pre)
            q = q.addingRowVector(hidden.matmul(meta.w2).addingRowVector(meta.b2))   // + pi: [1, d]
            self.pre = pre
            self.hidden = hidden
        } else {
            pre = nil
            hidden = nil
        }
        (p, norms) = q.l2NormalizedRows()
    }

    /// dp: [2, d] -> gradients of prompt.offset and the meta-net (those present).
    func backward(_ dp: Tensor, into grads: inout ParameterSet, w: HeadWeights) {
        let dq = Tensor.l2NormalizedRowsBackward(dp, output: p, norms: norms)   // [2, d]
        if w.offset != nil { grads.add("prompt.offset", dq) }
        guard let meta = w.meta, let pre, let hidden else { return }
        let dpi = dq.sumRows().reshaped([1, dq.rowLength])                       // [1, d]
        grads.add("meta.b2", dpi)
        grads.addProduct("meta.w2", hidden, transposeA: true, dpi)           // [d/16, d]
        let dh = Activation.reluBackward(dpi.matmul(meta.w2, transposeOther: true), input: pre)
        grads.add("meta.b1", dh)
        grads.addProduct("meta.w1", gh, transposeA: true, dh)                // [d, d/16]
    }
}
