/// Steps 2-4 of docs/METHOD.md for one query and one layer: patch adapter on centred tokens,
/// attention of each patch over the two prompts, and the anomaly map, with the backward
/// beside the forward. Switched off (docs/METHOD.md, "Ablations"): `patch_adapter` drops
/// the adapter residual, `centre` the centring, and `fuse` runs the same kernel with zero
/// fusion vectors, where a = (1/2, 1/2), r = zh exactly and zt = n(zh), which is zh up to
/// the rounding of one more normalization.
///
/// The fusion uses the two-prompt algebra: (zh Wq) p_c^T = zh (p_c Wq^T)^T and
/// (a p) Wo = a (p Wo), so the d x d matrices only ever meet the two prompt vectors.
struct PatchBranch {
    /// Per-query values shared by all layers.
    struct Context {
        let p: Tensor          // [2, d] prompts
        let bt: Tensor         // [2, d] p Wq^T
        let pw: Tensor         // [2, d] p Wo
        let attentionScale: Float   // 1 / sqrt(d)
        let invTau: Float

        init(prompts p: Tensor, w: HeadWeights, config c: HeadConfig) {
            self.p = p
            if let fuse = w.fuse {
                bt = p.matmul(fuse.wq, transposeOther: true)
                pw = p.matmul(fuse.wo)
            } else {
                bt = Tensor(zeros: p.shape)
                pw = bt
            }
            attentionScale = 1 / Float(c.jointDim).squareRoot()
            invTau = 1 / c.temperature
        }
    }

    /// Gradients with respect to the per-query context, summed over layers.
    struct ContextGradient {
        var dp: Tensor, dbt: Tensor, dpw: Tensor   // each [2, d]
        init(d: Int) { dp = Tensor(zeros: [2, d]); dbt = dp; dpw = dp }
    }

    /// The adapter's hidden layer (nil without `patch_adapter`).
    struct Adapter {
        let h1: Tensor       // [P, r]  Uc W1
        let a1: Tensor       // [P, r]  lrelu(h1)
    }
    let adapter: Adapter?
    /// zh = n(Zc + a1 W2), att over the prompts, zt = n(zh + att pw), and the map
    /// M = softmax(zt p^T / tau)[abnormal], with the norms the backward needs.
    let fused: TwoVectorAttention.Forward
    var zh: Tensor { fused.zh }     // [P, d]
    var zt: Tensor { fused.zt }     // [P, d], rebuilt on each use (inference's patch memory)
    var map: [Float] { fused.map }  // [P]

    /// u: [P, D], z0: [P, d] as the encoder gives them (not centred); layer index `li`.
    init(u: Tensor, z0: Tensor, layer li: Int, w: HeadWeights, slope: Float, ctx: Context) {
        var z = w.centres ? z0.centredOverRows() : z0
        if let w1 = w.adapterW1?[li], let w2 = w.adapterW2?[li] {
            // Uc W1 = U W1 - mean_i (U W1)_i: centring after the product is the same and
            // avoids a centred copy of U.
            let h1 = w.centres ? u.matmul(w1).centredOverRows() : u.matmul(w1)
            let a1 = Activation.leakyRelu(h1, slope: slope)
            BLAS.sgemm(m: z.shape[0], n: z.shape[1], k: a1.shape[1], a: a1.data, b: w2.data,
                       beta: 1, c: &z.data)
            adapter = Adapter(h1: h1, a1: a1)
        } else {
            adapter = nil
        }
        fused = TwoVectorAttention.forward(z: consume z, b: ctx.bt, w: ctx.pw, p: ctx.p,
                                           attentionScale: ctx.attentionScale, invTau: ctx.invTau)
    }

    /// dm: [P] gradient of the loss with respect to `map`. Adds the adapter gradients of
    /// layer `layer` (index `li`) to `grads` and the context gradients to `dctx`.
    func backward(dm: [Float], u: Tensor, w: HeadWeights, slope: Float, ctx: Context, layer: Int, index li: Int,
                  grads: inout ParameterSet, dctx: inout ContextGradient) {
        let dz = TwoVectorAttention.backward(dm: dm, forward: fused, b: ctx.bt, w: ctx.pw, p: ctx.p,
                                             attentionScale: ctx.attentionScale, invTau: ctx.invTau,
                                             db: &dctx.dbt, dw: &dctx.dpw, dp: &dctx.dp)    // [P, d]
        guard let adapter, let w2 = w.adapterW2?[li] else { return }
        let nP = zh.shape[0], d = zh.shape[1], r = adapter.h1.shape[1]
        let da1 = dz.matmul(w2, transposeOther: true)                       // [P, r]
        let w2Offset = grads.offset("adapter.\(layer).w2")
        BLAS.sgemm(transA: true, m: r, n: d, k: nP, a: adapter.a1.data, b: dz.data,
                   beta: 1, c: &grads.values, cOffset: w2Offset)            // [r, d]
        // h1 = centre(U W1): the centring is symmetric, so dW1 = U^T centre(dh1).
        let dh = Activation.leakyReluBackward(da1, input: adapter.h1, slope: slope)
        let dh1 = w.centres ? dh.centredOverRows() : dh
        let w1Offset = grads.offset("adapter.\(layer).w1")
        BLAS.sgemm(transA: true, m: u.shape[1], n: r, k: nP, a: u.data, b: dh1.data,
                   beta: 1, c: &grads.values, cOffset: w1Offset)            // [D, r]
    }
}

extension PatchBranch.ContextGradient {
    /// Folds the fusion matrices' gradients into the prompts and into fuse.wq / fuse.wo:
    /// bt = p Wq^T, pw = p Wo. Returns the total gradient of the prompts (without the
    /// fusion, bt and pw are constants and only dp reaches the prompts).
    func finish(ctx: PatchBranch.Context, w: HeadWeights, grads: inout ParameterSet) -> Tensor {
        guard let fuse = w.fuse else { return dp }
        grads.addProduct("fuse.wq", dbt, transposeA: true, ctx.p)        // [d, d]
        grads.addProduct("fuse.wo", ctx.p, transposeA: true, dpw)        // [d, d]
        return dp + dbt.matmul(fuse.wq) + dpw.matmul(fuse.wo, transposeOther: true)
    }
}
