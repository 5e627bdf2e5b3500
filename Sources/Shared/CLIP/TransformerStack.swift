/// Runs CLIP's pre-LN residual attention blocks over a batch of token sequences, with
/// every matrix product one GEMM over all B*T rows:
///
///     h = ln_1(x); x += out(attention(qkv(h)))
///     h = ln_2(x); x += proj(act(fc(h)))
///
/// Output-projection GEMMs accumulate straight into the residual stream (beta = 1); their
/// bias is added in the same pass as the next layer norm; the other biases are written
/// into the output rows before their GEMM accumulates onto them. GEMMs are row-parallel
/// (`ParallelGemm`) over `threads`.
struct TransformerStack {
    let blocks: [TransformerBlockWeights]
    let heads: Int
    let activation: ActivationKind
    let threads: Int

    /// x: [B*S, W], the block input (after the embeddings and, for images, ln_pre), with
    /// sequence b in rows b*S..<b*S+T (S = `stride` >= T, nil: T). The padding rows past T
    /// go through every row-wise step like tokens but are never attended to, so they change
    /// no other row; they stay finite. `afterBlock(l, x)` is called after block l (counted
    /// from 1) with x holding that block's exact output, rows as in x. On return x is the
    /// last block's output. `profile` gets a lap after each phase (the callback's work
    /// counts as `.outputs`).
    func run(_ x: inout Tensor, batch: Int, tokens: Int, stride: Int? = nil, causal: Bool,
             profile: EncoderProfile? = nil, afterBlock: (Int, Tensor) -> Void) {
        let stride = stride ?? tokens, rows = batch * stride, width = x.rowLength
        precondition(x.rowCount == rows, "transformer: \(x.rowCount) rows for \(batch) x \(stride) rows per sequence")
        var h = Tensor(zeros: [rows, width])
        var qkv = Tensor(zeros: [rows, 3 * width])
        // Attention never writes the padding rows: they stay zero.
        var attended = Tensor(zeros: [rows, width])
        var hidden = Tensor(zeros: [rows, blocks.first?.fc.weight.shape[0] ?? 0])
        for (index, block) in blocks.enumerated() {
            if index == 0 {
                RowKernels.layerNorm(x, gamma: block.ln1.gamma, beta: block.ln1.beta, threads: threads, into: &h)
                profile?.lap(.layerNorm)
            } else {
                RowKernels.addBiasLayerNorm(&x, bias: blocks[index - 1].proj.bias, gamma: block.ln1.gamma,
                                            beta: block.ln1.beta, threads: threads, into: &h)
                profile?.lap(.layerNorm)
                afterBlock(index, x)
                profile?.lap(.outputs)
            }
            ParallelGemm.linear(h, block.attentionIn.weight, bias: block.attentionIn.bias, into: &qkv, threads: threads)
            profile?.lap(.qkv)
            Attention.selfAttention(qkv: qkv, batch: batch, tokens: tokens, stride: stride, heads: heads,
                                    causal: causal, threads: threads, into: &attended)
            profile?.lap(.attention)
            linear(attended, block.attentionOut.weight, into: &x, accumulate: true)
            profile?.lap(.attentionOut)
            RowKernels.addBiasLayerNorm(&x, bias: block.attentionOut.bias, gamma: block.ln2.gamma,
                                        beta: block.ln2.beta, threads: threads, into: &h)
            profile?.lap(.layerNorm)
            ParallelGemm.linear(h, block.fc.weight, bias: block.fc.bias, activation: activation, into: &hidden,
                                threads: threads)
            profile?.lap(.fc)
            linear(hidden, block.proj.weight, into: &x, accumulate: true)
            profile?.lap(.mlpOut)
        }
        if let last = blocks.last {
            RowKernels.addBiasActivation(&x, bias: last.proj.bias, activation: nil, threads: threads)
            profile?.lap(.layerNorm)
            afterBlock(blocks.count, x)
            profile?.lap(.outputs)
        }
    }

    /// out (+)= x W^T. x: [R, in]; weight: [out, in]; out: [R, out]
    func linear(_ x: Tensor, _ weight: Tensor, into out: inout Tensor, accumulate: Bool) {
        ParallelGemm.linear(x, weight, into: &out, accumulate: accumulate, threads: threads)
    }
}
