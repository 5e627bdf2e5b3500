/// What the frozen image encoder gives for a batch of B images (docs/METHOD.md, "Frozen inputs").
public struct CLIPImageFeatures: Sendable {
    /// CLS token of the last block -> ln_post -> projection. g: [B, d]
    public var g: Tensor
    /// Block-l tokens without CLS, through ln_post, for each requested l. U[l]: [B, P, D]
    public var u: [Int: Tensor]
    /// U[l] @ projection. Z0[l]: [B, P, d]
    public var z0: [Int: Tensor]
    /// The patch grid (P = gridHeight * gridWidth, row-major).
    public var gridHeight: Int
    public var gridWidth: Int
}

/// The CLIP ViT image tower: patch embedding (a GEMM over im2col rows), class token,
/// position embeddings (resized when the input grid differs, `PositionEmbedding`), ln_pre,
/// the residual blocks (`TransformerStack`), ln_post and the projection.
public struct CLIPImageEncoder: Sendable {
    public let weights: CLIPVisionWeights
    public var config: CLIPVisionConfig { weights.config }

    public init(weights: CLIPVisionWeights) { self.weights = weights }

    /// images: [B, 3, H, W], preprocessed (`CLIPImagePreprocessor`); the grid is
    /// floor(H / p) x floor(W / p). `layers` (counted from 1) select the U and Z0 outputs.
    /// All work (GEMMs, attention, row passes) is split over `threads` Dispatch workers,
    /// each running single-threaded OpenBLAS. `profile` gets a lap after each phase.
    public func encode(_ images: Tensor, layers: [Int] = [], threads: Int = BLAS.threads,
                       profile: EncoderProfile? = nil) throws(CLIPEncodeError) -> CLIPImageFeatures {
        let c = config, p = c.patchSize, d = c.width, dim = c.projectionDim
        guard images.rank == 4, images.shape[1] == 3, images.shape[0] > 0,
              images.shape[2] >= p, images.shape[3] >= p else {
            throw .badImageShape(shape: images.shape, patchSize: p)
        }
        for l in layers where l < 1 || l > c.layers { throw .layerOutOfRange(layer: l, depth: c.layers) }
        let batch = images.shape[0]
        // OpenBLAS stays single-threaded throughout (its pool would spin against ours).
        let savedThreads = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = savedThreads }
        let grid = (height: images.shape[2] / p, width: images.shape[3] / p)
        let patches = grid.height * grid.width, tokens = patches + 1
        let pos = PositionEmbedding.resized(weights.positionEmbedding, grid: c.grid, to: grid)

        // Patch embedding: one GEMM over every image's patches, [B*P, 3pp] x [D, 3pp]^T.
        let columns = Tensor(shape: [batch * patches, 3 * p * p], data: (0..<batch).flatMap { b in
            PatchEmbedding.columns(images, image: b, patch: p, grid: grid)
        })
        var embedded = Tensor(zeros: [batch * patches, d])
        ParallelGemm.linear(columns, weights.patchEmbedding, into: &embedded, accumulate: false, threads: threads)
        profile?.lap(.patchEmbedding)
        // Tokens: [B*T, D], row b*T is the class token, rows b*T+1... the patches.
        var x = Tensor(zeros: [batch * tokens, d])
        for b in 0..<batch {
            for t in 0..<tokens {
                let row = (b * tokens + t) * d
                let source = t == 0 ? weights.classEmbedding.data : embedded.data
                let offset = t == 0 ? 0 : (b * patches + t - 1) * d
                for j in 0..<d { x.data[row + j] = source[offset + j] + pos.data[t * d + j] }
            }
        }
        var h = Tensor(zeros: [batch * tokens, d])
        RowKernels.layerNorm(x, gamma: weights.lnPre.gamma, beta: weights.lnPre.beta, threads: threads, into: &h)
        swap(&x, &h)
        profile?.lap(.tokens)

        let patchRows = (0..<batch).flatMap { b in (1...patches).map { b * tokens + $0 } }
        var u: [Int: Tensor] = [:], z0: [Int: Tensor] = [:]
        let wanted = Set(layers)
        let stack = TransformerStack(blocks: weights.blocks, heads: c.heads, activation: c.activation, threads: threads)
        stack.run(&x, batch: batch, tokens: tokens, causal: false, profile: profile) { layer, out in
            guard wanted.contains(layer) else { return }
            var ul = Tensor(zeros: [batch * patches, d])
            RowKernels.layerNorm(out, rows: patchRows, gamma: weights.lnPost.gamma, beta: weights.lnPost.beta,
                                 threads: threads, into: &ul)
            z0[layer] = ParallelGemm.product(ul, weights.projection, threads: threads).reshaped([batch, patches, dim])
            u[layer] = ul.reshaped([batch, patches, d])
        }
        var cls = Tensor(zeros: [batch, d])
        RowKernels.layerNorm(x, rows: (0..<batch).map { $0 * tokens }, gamma: weights.lnPost.gamma,
                             beta: weights.lnPost.beta, threads: threads, into: &cls)
        let g = ParallelGemm.product(cls, weights.projection, threads: threads)
        profile?.lap(.outputs)
        return CLIPImageFeatures(g: g, u: u, z0: z0, gridHeight: grid.height, gridWidth: grid.width)
    }
}
