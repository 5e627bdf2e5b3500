/// Step 1 of docs/METHOD.md, image-informed prompts, for one query:
///   gh = n(g); pi = relu(gh W_m1 + b_m1) W_m2 + b_m2; p_c = n(T0_c + E_c + pi).
struct Prompts {
    let gh: Tensor        // [1, d]
    let pre: Tensor       // [1, d/16]  gh W_m1 + b_m1
    let hidden: Tensor    // [1, d/16]  relu(pre)
    let p: Tensor         // [2, d]     normalized prompts (row 0 normal, row 1 abnormal)
    let norms: [Float]    // [2]        ||T0_c + E_c + pi||

    init(gh: Tensor, bank: MemoryBank, w: HeadWeights) {
        self.gh = gh
        pre = gh.matmul(w.metaW1).addingRowVector(w.metaB1)
        hidden = Activation.relu(pre)
        let pi = hidden.matmul(w.metaW2).addingRowVector(w.metaB2)          // [1, d]
        let q = (bank.t0 + w.offset).addingRowVector(pi)                    // [2, d]
        (p, norms) = q.l2NormalizedRows()
    }

    /// dp: [2, d] -> gradients of prompt.offset and the meta-net.
    func backward(_ dp: Tensor, into grads: inout ParameterSet, w: HeadWeights) {
        let dq = Tensor.l2NormalizedRowsBackward(dp, output: p, norms: norms)   // [2, d]
        grads.add("prompt.offset", dq)
        let dpi = dq.sumRows().reshaped([1, dq.rowLength])                       // [1, d]
        grads.add("meta.b2", dpi)
        grads.addProduct("meta.w2", hidden, transposeA: true, dpi)           // [d/16, d]
        let dh = Activation.reluBackward(dpi.matmul(w.metaW2, transposeOther: true), input: pre)
        grads.add("meta.b1", dh)
        grads.addProduct("meta.w1", gh, transposeA: true, dh)                // [d, d/16]
    }
}
