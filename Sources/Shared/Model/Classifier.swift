/// Step 6 of docs/METHOD.md: the memory-bank classifier.
///   mini(x) = n(x + relu(x V1 + c1) V2 + c2)
///   logits_c = 100 f' . n(Pt_c) + alpha sum_j m_j exp(-beta (1 - f' . K_j)) Lt_jc
/// with f' = mini(gh) and K_j = mini(n(Ft_j)). Switched off (docs/METHOD.md, "Ablations"):
/// `mini_net` makes mini the identity on these unit rows (f' = gh, K_j = n(Ft_j)) and
/// `memory_bank` drops the cache term.
struct MiniNet: Sendable {
    struct Hidden: Sendable {
        let pre: Tensor      // [n, d/4]  x V1 + c1
        let hidden: Tensor   // [n, d/4]  relu(pre)
        let norms: [Float]   // [n]
    }
    let x: Tensor        // [n, d]
    let out: Tensor      // [n, d]    n(x + hidden V2 + c2), or x without the mini-net
    let layer: Hidden?

    /// `x`: unit rows.
    init(_ x: Tensor, w: HeadWeights) {
        self.x = x
        guard let mini = w.mini else {
            out = x
            layer = nil
            return
        }
        let pre = x.matmul(mini.w1).addingRowVector(mini.b1)
        let hidden = Activation.relu(pre)
        let (out, norms) = (x + hidden.matmul(mini.w2).addingRowVector(mini.b2)).l2NormalizedRows()
        self.out = out
        layer = Hidden(pre: pre, hidden: hidden, norms: norms)
    }

    /// dout: [n, d]. Adds the mini-net's gradients (x is frozen, so no dx).
    func backward(_ dout: Tensor, w: HeadWeights, grads: inout ParameterSet) {
        guard let mini = w.mini, let layer else { return }
        let dw = Tensor.l2NormalizedRowsBackward(dout, output: out, norms: layer.norms)  // [n, d]
        grads.add("mini.b2", dw.sumRows())
        grads.addProduct("mini.w2", layer.hidden, transposeA: true, dw)       // [d/4, d]
        let dpre = Activation.reluBackward(dw.matmul(mini.w2, transposeOther: true), input: layer.pre)
        grads.add("mini.b1", dpre.sumRows())
        grads.addProduct("mini.w1", x, transposeA: true, dpre)                // [d, d/4]
    }
}

/// The bank side of the classifier, computed once per chunk.
struct BankKeys: Sendable {
    /// Over n(Ft): keys K = mini.out, [N, d]; nil without the memory bank's cache term.
    let mini: MiniNet?
    let textClasses: Tensor   // n(Pt): [C, d]

    init(bank: MemoryBank, w: HeadWeights) {
        mini = w.cache != nil ? MiniNet(bank.ft.l2NormalizedRows().0, w: w) : nil
        textClasses = bank.pt.l2NormalizedRows().0
    }
    /// The number of bank entries the cache term uses (0 without it).
    var count: Int { mini?.out.shape[0] ?? 0 }
}

/// The classification of one query: logits and, given dlogits, the backward.
struct Classification {
    let f: MiniNet          // over gh: f' = f.out, [1, d]
    let cosine: [Float]     // [N]  f' . K_j
    let affinity: [Float]   // [N]  m_j exp(-beta (1 - cos_j))
    let logits: [Float]     // [C]

    /// `excludeSource`: bank entries from this source image get m_j = 0 (leave-one-out);
    /// nil uses the full bank (inference).
    init(gh: Tensor, keys: BankKeys, bank: MemoryBank, w: HeadWeights, logitScale: Float,
         excludeSource: Int32?) {
        f = MiniNet(gh, w: w)
        let classes = keys.textClasses.shape[0]
        let text = f.out.matmul(keys.textClasses, transposeOther: true).data   // [C]
        var logits = text.map { $0 * logitScale }
        if let cache = w.cache, let k = keys.mini, keys.count > 0 {
            let n = keys.count
            let cos = f.out.matmul(k.out, transposeOther: true).data
            cosine = cos
            affinity = (0..<n).map { j in
                bank.source[j] == excludeSource ? 0 : (-cache.beta * (1 - cos[j])).exponential
            }
            for j in 0..<n where affinity[j] != 0 {
                for c in 0..<classes { logits[c] += cache.alpha * affinity[j] * bank.lt.data[j * classes + c] }
            }
        } else {
            cosine = []
            affinity = []
        }
        self.logits = logits
    }

    /// dlogits: [C]. Adds gradients of the mini-net (query side), the cache scalars, and
    /// returns dK: [N, d] for the bank side (summed over queries by the caller), nil
    /// without the cache term.
    func backward(dlogits: [Float], keys: BankKeys, bank: MemoryBank, w: HeadWeights,
                  logitScale: Float, grads: inout ParameterSet) -> Tensor? {
        let classes = dlogits.count
        var df = Tensor(shape: [1, classes], data: dlogits.map { $0 * logitScale })
            .matmul(keys.textClasses)                                              // [1, d]
        guard let cache = w.cache, let k = keys.mini else {
            f.backward(df, w: w, grads: &grads)
            return nil
        }
        let n = keys.count, d = f.out.rowLength
        var dAlpha: Float = 0, dBeta: Float = 0
        var dcos = [Float](repeating: 0, count: n)
        for j in 0..<n where affinity[j] != 0 {
            var wj: Float = 0
            for c in 0..<classes { wj += dlogits[c] * bank.lt.data[j * classes + c] }
            dAlpha += affinity[j] * wj
            let de = cache.alpha * wj * affinity[j]     // d/d(exponent) of alpha e_j
            dcos[j] = de * cache.beta
            dBeta -= de * (1 - cosine[j])
        }
        grads.values[grads.offset("cache.log_alpha")] += cache.alpha * dAlpha
        grads.values[grads.offset("cache.log_beta")] += cache.beta * dBeta
        let dcosT = Tensor(shape: [1, n], data: dcos)
        if n > 0 { df = df + dcosT.matmul(k.out) }
        f.backward(df, w: w, grads: &grads)
        return n > 0 ? dcosT.matmul(f.out, transposeSelf: true) : Tensor(zeros: [0, d])  // [N, d]
    }
}
