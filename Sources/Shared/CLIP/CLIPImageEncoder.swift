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
    ///
    /// An image's features are the same bits whatever batch it is in, and, with a row unit
    /// (`batchRowUnit`), whatever the thread count: each image's rows start at a multiple
    /// of the unit and every GEMM splits its rows there. Without one the images go through
    /// one at a time (the thread count then matters).
    public func encode(_ images: Tensor, layers: [Int] = [], threads: Int = BLAS.threads,
                       profile: EncoderProfile? = nil) throws(CLIPEncodeError) -> CLIPImageFeatures {
        let c = config, p = c.patchSize
        guard images.rank == 4, images.shape[1] == 3, images.shape[0] > 0,
              images.shape[2] >= p, images.shape[3] >= p else {
            throw .badImageShape(shape: images.shape, patchSize: p)
        }
        for l in layers where l < 1 || l > c.layers { throw .layerOutOfRange(layer: l, depth: c.layers) }
        // OpenBLAS stays single-threaded throughout (its pool would spin against ours).
        let savedThreads = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = savedThreads }
        if let unit = batchRowUnit {
            return encode(images, rowUnit: unit, layers: layers, threads: threads, profile: profile)
        }
        let one = (0..<images.shape[0]).map { b in
            encode(images.slice(b).reshaped([1] + images.shape.dropFirst()), rowUnit: 1, layers: layers,
                   threads: threads, profile: profile)
        }
        func joined(_ parts: [Tensor]) -> Tensor {
            Tensor(shape: [parts.count] + parts[0].shape.dropFirst(), data: parts.flatMap(\.data))
        }
        let wanted = Set(layers)   // a layer named twice is one output, as in the batched path
        return CLIPImageFeatures(g: joined(one.map(\.g)),
                                 u: Dictionary(uniqueKeysWithValues: wanted.map { l in (l, joined(one.map { $0.u[l]! })) }),
                                 z0: Dictionary(uniqueKeysWithValues: wanted.map { l in (l, joined(one.map { $0.z0[l]! })) }),
                                 gridHeight: one[0].gridHeight, gridWidth: one[0].gridWidth)
    }

    /// The `GemmRowUnit` this encoder batches images with; nil (one image at a time) when
    /// the BLAS has none or the model's GEMMs are small (`GemmRowUnit.forProducts`).
    public var batchRowUnit: Int? {
        let c = config
        return GemmRowUnit.forProducts(innerTimesOuter: c.width * min(3 * c.patchSize * c.patchSize, c.width,
                                                                      c.mlpWidth, c.projectionDim))
    }

    /// `encode` with image b's tokens in rows b*S..<b*S+T of every activation, S the least
    /// multiple of `rowUnit` >= T (the rows between are padding), and U's rows laid out the
    /// same way for Z0's GEMM. g's product runs per image (a one-row GEMM may take another
    /// kernel than a B-row one).
    func encode(_ images: Tensor, rowUnit unit: Int, layers: [Int], threads: Int,
                profile: EncoderProfile?) -> CLIPImageFeatures {
        let c = config, p = c.patchSize, d = c.width, dim = c.projectionDim
        let batch = images.shape[0]
        let grid = (height: images.shape[2] / p, width: images.shape[3] / p)
        let patches = grid.height * grid.width, tokens = patches + 1
        let stride = Self.roundUp(tokens, unit), rows = batch * stride
        let pos = PositionEmbedding.resized(weights.positionEmbedding, grid: c.grid, to: grid)

        // Patch embedding: one GEMM, [B*S, 3pp] x [D, 3pp]^T, with the columns in the
        // tokens' rows: row b*S + 1 + i holds patch i of image b; the class token's row and
        // the padding rows are zero.
        let columnWidth = 3 * p * p
        var columns = Tensor(zeros: [rows, columnWidth])
        for b in 0..<batch {
            let image = PatchEmbedding.columns(images, image: b, patch: p, grid: grid)
            columns.data.replaceSubrange(((b * stride + 1) * columnWidth)..<((b * stride + tokens) * columnWidth), with: image)
        }
        var x = Tensor(zeros: [rows, d])
        ParallelGemm.linear(columns, weights.patchEmbedding, into: &x, accumulate: false, threads: threads)
        profile?.lap(.patchEmbedding)
        // Tokens: row b*S is the class token, rows b*S+1... the patches, each plus its position.
        for b in 0..<batch {
            for t in 0..<tokens {
                let row = (b * stride + t) * d
                for j in 0..<d { x.data[row + j] = (t == 0 ? weights.classEmbedding.data[j] : x.data[row + j]) + pos.data[t * d + j] }
            }
        }
        var h = Tensor(zeros: [rows, d])
        RowKernels.layerNorm(x, gamma: weights.lnPre.gamma, beta: weights.lnPre.beta, threads: threads, into: &h)
        swap(&x, &h)
        profile?.lap(.tokens)

        // U[l] in rows b*P'..<b*P'+P (P' the least multiple of the unit >= P); the padding
        // rows repeat the image's last patch (any finite row would do).
        let patchStride = Self.roundUp(patches, unit)
        let patchRows = (0..<batch).flatMap { b in (0..<patchStride).map { b * stride + 1 + min($0, patches - 1) } }
        var u: [Int: Tensor] = [:], z0: [Int: Tensor] = [:]
        let wanted = Set(layers)
        let stack = TransformerStack(blocks: weights.blocks, heads: c.heads, activation: c.activation, threads: threads)
        stack.run(&x, batch: batch, tokens: tokens, stride: stride, causal: false, profile: profile) { layer, out in
            guard wanted.contains(layer) else { return }
            var ul = Tensor(zeros: [batch * patchStride, d])
            RowKernels.layerNorm(out, rows: patchRows, gamma: weights.lnPost.gamma, beta: weights.lnPost.beta,
                                 threads: threads, into: &ul)
            let zl = ParallelGemm.product(ul, weights.projection, threads: threads)
            u[layer] = Self.dropPadding(ul, batch: batch, stride: patchStride, count: patches)
            z0[layer] = Self.dropPadding(zl, batch: batch, stride: patchStride, count: patches)
        }
        var cls = Tensor(zeros: [batch, d])
        RowKernels.layerNorm(x, rows: (0..<batch).map { $0 * stride }, gamma: weights.lnPost.gamma,
                             beta: weights.lnPost.beta, threads: threads, into: &cls)
        let g = (0..<batch).flatMap { b in
            ParallelGemm.product(Tensor(shape: [1, d], data: Array(cls.data[(b * d)..<((b + 1) * d)])),
                                 weights.projection, threads: threads).data
        }
        profile?.lap(.outputs)
        return CLIPImageFeatures(g: Tensor(shape: [batch, dim], data: g), u: u, z0: z0,
                                 gridHeight: grid.height, gridWidth: grid.width)
    }

    static func roundUp(_ n: Int, _ unit: Int) -> Int { (n + unit - 1) / unit * unit }

    /// [B*S', W] with sequence b in rows b*S'..<b*S'+count -> [B, count, W].
    static func dropPadding(_ x: Tensor, batch: Int, stride: Int, count: Int) -> Tensor {
        let w = x.rowLength
        if stride == count { return x.reshaped([batch, count, w]) }
        var out = [Float]()
        out.reserveCapacity(batch * count * w)
        for b in 0..<batch { out.append(contentsOf: x.data[(b * stride * w)..<((b * stride + count) * w)]) }
        return Tensor(shape: [batch, count, w], data: out)
    }
}
