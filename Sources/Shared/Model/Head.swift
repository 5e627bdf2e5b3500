/// Loss parts of a set of queries, summed over the queries (not averaged).
public struct LossParts: Equatable, Sendable, Codable {
    public var focal = 0.0   // summed over layers
    public var dice = 0.0    // both dice terms, summed over layers
    public var bce = 0.0
    public var ce = 0.0
    public init() {}
    public var total: Double { focal + dice + bce + ce }

    /// Each part divided by the number of queries it was summed over (at least 1).
    public func mean(over queries: Int) -> LossParts {
        let q = Double(max(queries, 1))
        var m = self
        m.focal /= q; m.dice /= q; m.bce /= q; m.ce /= q
        return m
    }

    public static func + (a: LossParts, b: LossParts) -> LossParts {
        var s = a
        s.focal += b.focal; s.dice += b.dice; s.bce += b.bce; s.ce += b.ce
        return s
    }
}

/// The UltraAD head of docs/METHOD.md: the loss of a chunk of queries and its gradient with
/// respect to every trainable parameter, written out layer by layer (no autodiff).
///
/// Work is organized per query: prompts, then each layer's patch branch forward, map loss
/// and backward at once (so no layer's activations outlive it), then detection and the
/// memory-bank classification, then the prompts' backward. The bank keys go through the
/// mini-net once per chunk. The order of every accumulation is fixed, so the result is a
/// deterministic function of the parameters, the bank and the queries.
public enum UltraADHead {
    /// Returns the loss parts summed over the chunk's queries, and the gradient of
    /// `scale * sum_q loss_q` (scale 1 / Q gives the gradient of the mean loss).
    public static func lossAndGradient(
        parameters: ParameterSet, config c: HeadConfig, bank: MemoryBank, chunk: ChunkInput,
        scale: Float
    ) -> (LossParts, ParameterSet) {
        Prepared(parameters: parameters, config: c, bank: bank).lossAndGradient(chunk: chunk, scale: scale)
    }

    /// What every chunk of one parameter version shares: the weights read out of the flat
    /// parameters (10 MB) and the bank keys through the mini-net. A worker prepares them
    /// once per block, not once per chunk.
    public struct Prepared: Sendable {
        let w: HeadWeights
        let keys: BankKeys
        let config: HeadConfig
        let bank: MemoryBank
        let layout: ParameterLayout

        public init(parameters: ParameterSet, config: HeadConfig, bank: MemoryBank) {
            w = HeadWeights(parameters, config)
            keys = BankKeys(bank: bank, w: w)
            self.config = config
            self.bank = bank
            layout = parameters.layout
        }

        /// The tree-order sum (docs/METHOD.md, "Episodes") of the chunks' gradients, with their
        /// loss parts and query count: one aligned block on a worker, or a whole episode in
        /// process. Padding (empty chunks past the episode's end) can only follow the real
        /// chunks and adds nothing; the sum is nil when every chunk is padding.
        public func blockGradient(chunks: [ChunkInput]) -> (sum: [Float]?, queries: Int, parts: LossParts) {
            let real = chunks.prefix { !$0.queries.isEmpty }
            precondition(chunks[real.count...].allSatisfy { $0.queries.isEmpty }, "an empty chunk before a real one")
            guard !real.isEmpty else { return (nil, 0, LossParts()) }
            // The same tree the coordinator completes: nodes are summed as they form, so
            // only one gradient per level is held.
            var tree = ReductionTree(leafCount: real.count)
            var parts = LossParts()
            var queries = 0
            for (k, chunk) in real.enumerated() {
                let (lp, g) = lossAndGradient(chunk: chunk, scale: 1)
                tree.insert(start: k, count: 1, sum: g.values)
                parts = parts + lp
                queries += chunk.queries.count
            }
            return (tree.root(), queries, parts)
        }

        /// See `UltraADHead.lossAndGradient(parameters:config:bank:chunk:scale:)`.
        public func lossAndGradient(chunk: ChunkInput, scale: Float) -> (LossParts, ParameterSet) {
            UltraADHead.lossAndGradient(w: w, keys: keys, config: config, bank: bank, layout: layout,
                                        chunk: chunk, scale: scale)
        }
    }

    static func lossAndGradient(w: HeadWeights, keys: BankKeys, config c: HeadConfig, bank: MemoryBank,
                                layout: ParameterLayout, chunk: ChunkInput, scale: Float) -> (LossParts, ParameterSet) {
        var grads = ParameterSet(zeros: layout)
        var dKeys = Tensor(zeros: [keys.count, c.jointDim])
        var parts = LossParts()
        var resizers = ResizerCache()

        for q in chunk.queries {
            let gh = q.features.g.reshaped([1, c.jointDim]).l2NormalizedRows().0
            let prompts = Prompts(gh: gh, bank: bank, w: w)
            let ctx = PatchBranch.Context(prompts: prompts.p, w: w, config: c)
            var dctx = PatchBranch.ContextGradient(d: c.jointDim)

            // Steps 2-4 and the map loss, layer by layer.
            let maskSize = (q.mask.shape[0], q.mask.shape[1])
            for (li, layer) in c.layers.enumerated() {
                // Widened once here for float16 features (the stored array itself for float32).
                let u = q.features.u[li].tensor
                let branch = PatchBranch(u: u, z0: q.features.z0[li].tensor, layer: li, w: w,
                                         slope: c.leakySlope, ctx: ctx)
                let resize = resizers.get(patches: branch.map.count, to: maskSize)
                let up = resize.forward(Tensor(shape: [resize.inHeight, resize.inWidth], data: branch.map))
                let (terms, dUp) = MapLoss.evaluate(m: up.data, g: q.mask.data, scale: scale)
                parts.focal += terms.focal
                parts.dice += terms.dice
                let dm = resize.adjoint(Tensor(shape: up.shape, data: dUp)).data
                branch.backward(dm: dm, u: u, w: w, slope: c.leakySlope,
                                ctx: ctx, layer: layer, index: li, grads: &grads, dctx: &dctx)
            }

            // Step 5: detection, y_det = sigmoid((gh . p1 - gh . p0) / tau).
            let det = Detection(gh: gh, p: prompts.p, temperature: c.temperature)
            let bce = binaryCrossEntropy(p: det.probability, target: q.label > 0 ? 1 : 0)
            parts.bce += bce.loss
            det.backward(dProbability: Float(bce.dp) * scale, into: &dctx.dp)

            // Step 6: memory-bank classification with the query's own image masked out.
            let cls = Classification(gh: gh, keys: keys, bank: bank, w: w, logitScale: c.logitScale,
                                     excludeSource: q.source)
            let (ce, probs) = crossEntropy(logits: cls.logits, label: q.label)
            parts.ce += ce
            var dlogits = probs.map { $0 * scale }
            dlogits[q.label] -= scale
            if let dk = cls.backward(dlogits: dlogits, keys: keys, bank: bank, w: w,
                                     logitScale: c.logitScale, grads: &grads) { dKeys = dKeys + dk }

            // Step 1 backward: everything that reached the prompts.
            let dp = dctx.finish(ctx: ctx, w: w, grads: &grads)
            prompts.backward(dp, into: &grads, w: w)
        }
        if keys.count > 0 { keys.mini?.backward(dKeys, w: w, grads: &grads) }
        return (parts, grads)
    }
}

/// Step 5: y_det = softmax_c(gh . p_c / tau)[abnormal] = sigmoid((gh . p1 - gh . p0) / tau).
struct Detection {
    let gh: Tensor          // [1, d]
    let probability: Float
    let invTau: Float

    init(gh: Tensor, p: Tensor, temperature: Float) {
        self.gh = gh
        invTau = 1 / temperature
        let s = gh.matmul(p, transposeOther: true).data          // [2]
        probability = 1 / (1 + ((s[0] - s[1]) * invTau).exponential)
    }

    /// Adds the gradient with respect to the prompts p: [2, d].
    func backward(dProbability: Float, into dp: inout Tensor) {
        let dz = dProbability * probability * (1 - probability) * invTau
        let d = gh.rowLength
        for j in 0..<d {
            dp.data[j] -= dz * gh.data[j]
            dp.data[d + j] += dz * gh.data[j]
        }
    }
}

/// One `BilinearResize` per (patch grid, mask size) pair seen in a chunk.
struct ResizerCache {
    private var cache: [[Int]: BilinearResize] = [:]

    mutating func get(patches: Int, to size: (Int, Int)) -> BilinearResize {
        let side = Int(Double(patches).squareRoot().rounded())
        let key = [side, size.0, size.1]
        if let r = cache[key] { return r }
        let r = BilinearResize(from: (side, side), to: size)
        cache[key] = r
        return r
    }
}
