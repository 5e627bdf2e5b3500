/// Steps 2-4 of docs/METHOD.md for one query and one layer: patch adapter on centred tokens,
/// attention of each patch over the two prompts, and the anomaly map, with the backward
/// beside the forward.
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
            bt = p.matmul(w.wq, transposeOther: true)
            pw = p.matmul(w.wo)
            attentionScale = 1 / Float(c.jointDim).squareRoot()
            invTau = 1 / c.temperature
        }
    }

    /// Gradients with respect to the per-query context, summed over layers.
    struct ContextGradient {
        var dp: Tensor, dbt: Tensor, dpw: Tensor   // each [2, d]
        init(d: Int) { dp = Tensor(zeros: [2, d]); dbt = dp; dpw = dp }
    }

    let h1: Tensor       // [P, r]  Uc W1 (centred)
    let a1: Tensor       // [P, r]  lrelu(h1)
    /// zh = n(Zc + a1 W2), att over the prompts, zt = n(zh + att pw), and the map
    /// M = softmax(zt p^T / tau)[abnormal], with the norms the backward needs.
    let fused: TwoVectorAttention.Forward
    var zh: Tensor { fused.zh }     // [P, d]
    var zt: Tensor { fused.zt }     // [P, d], rebuilt on each use (inference's patch memory)
    var map: [Float] { fused.map }  // [P]

    /// u: [P, D], z0: [P, d] as the encoder gives them (not centred).
    init(u: Tensor, z0: Tensor, w1: Tensor, w2: Tensor, slope: Float, ctx: Context) {
        // Uc W1 = U W1 - mean_i (U W1)_i: centring after the product is the same and
        // avoids a centred copy of U.
        h1 = u.matmul(w1).centredOverRows()
        a1 = Activation.leakyRelu(h1, slope: slope)
        var z = z0.centredOverRows()
        BLAS.sgemm(m: z.shape[0], n: z.shape[1], k: a1.shape[1], a: a1.data, b: w2.data,
                   beta: 1, c: &z.data)
        fused = TwoVectorAttention.forward(z: consume z, b: ctx.bt, w: ctx.pw, p: ctx.p,
                                           attentionScale: ctx.attentionScale, invTau: ctx.invTau)
    }

    /// dm: [P] gradient of the loss with respect to `map`. Adds the adapter gradients of
    /// layer `layer` to `grads` and the context gradients to `dctx`.
    func backward(dm: [Float], u: Tensor, w2: Tensor, slope: Float, ctx: Context, layer: Int,
                  grads: inout ParameterSet, dctx: inout ContextGradient) {
        let nP = zh.shape[0], d = zh.shape[1], r = h1.shape[1]
        let dz = TwoVectorAttention.backward(dm: dm, forward: fused, b: ctx.bt, w: ctx.pw, p: ctx.p,
                                             attentionScale: ctx.attentionScale, invTau: ctx.invTau,
                                             db: &dctx.dbt, dw: &dctx.dpw, dp: &dctx.dp)    // [P, d]
        let da1 = dz.matmul(w2, transposeOther: true)                       // [P, r]
        let w2Offset = grads.offset("adapter.\(layer).w2")
        BLAS.sgemm(transA: true, m: r, n: d, k: nP, a: a1.data, b: dz.data,
                   beta: 1, c: &grads.values, cOffset: w2Offset)            // [r, d]
        // h1 = centre(U W1): the centring is symmetric, so dW1 = U^T centre(dh1).
        let dh1 = Activation.leakyReluBackward(da1, input: h1, slope: slope).centredOverRows()
        let w1Offset = grads.offset("adapter.\(layer).w1")
        BLAS.sgemm(transA: true, m: u.shape[1], n: r, k: nP, a: u.data, b: dh1.data,
                   beta: 1, c: &grads.values, cOffset: w1Offset)            // [D, r]
    }
}

extension PatchBranch.ContextGradient {
    /// Folds the fusion matrices' gradients into the prompts and into fuse.wq / fuse.wo:
    /// bt = p Wq^T, pw = p Wo. Returns the total gradient of the prompts.
    func finish(ctx: PatchBranch.Context, w: HeadWeights, grads: inout ParameterSet) -> Tensor {
        grads.addProduct("fuse.wq", dbt, transposeA: true, ctx.p)        // [d, d]
        grads.addProduct("fuse.wo", ctx.p, transposeA: true, dpw)        // [d, d]
        return dp + dbt.matmul(w.wq) + dpw.matmul(w.wo, transposeOther: true)
    }
}
