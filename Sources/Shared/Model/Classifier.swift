/// Step 6 of docs/METHOD.md: the memory-bank classifier.
///   mini(x) = n(x + relu(x V1 + c1) V2 + c2)
///   logits_c = 100 f' . n(Pt_c) + alpha sum_j m_j exp(-beta (1 - f' . K_j)) Lt_jc
/// with f' = mini(gh) and K_j = mini(n(Ft_j)).
struct MiniNet: Sendable {
    let x: Tensor        // [n, d]
    let pre: Tensor      // [n, d/4]  x V1 + c1
    let hidden: Tensor   // [n, d/4]  relu(pre)
    let out: Tensor      // [n, d]    n(x + hidden V2 + c2)
    let norms: [Float]   // [n]

    init(_ x: Tensor, w: HeadWeights) {
        self.x = x
        pre = x.matmul(w.miniW1).addingRowVector(w.miniB1)
        hidden = Activation.relu(pre)
        (out, norms) = (x + hidden.matmul(w.miniW2).addingRowVector(w.miniB2)).l2NormalizedRows()
    }

    /// dout: [n, d]. Adds the mini-net's gradients (x is frozen, so no dx).
    func backward(_ dout: Tensor, w: HeadWeights, grads: inout ParameterSet) {
        let dw = Tensor.l2NormalizedRowsBackward(dout, output: out, norms: norms)  // [n, d]
        grads.add("mini.b2", dw.sumRows())
        grads.addProduct("mini.w2", hidden, transposeA: true, dw)             // [d/4, d]
        let dpre = Activation.reluBackward(dw.matmul(w.miniW2, transposeOther: true), input: pre)
        grads.add("mini.b1", dpre.sumRows())
        grads.addProduct("mini.w1", x, transposeA: true, dpre)                // [d, d/4]
    }
}

/// The bank side of the classifier, computed once per chunk.
struct BankKeys: Sendable {
    let mini: MiniNet     // over n(Ft): keys K = mini.out, [N, d]
    let textClasses: Tensor   // n(Pt): [C, d]

    init(bank: MemoryBank, w: HeadWeights) {
        mini = MiniNet(bank.ft.l2NormalizedRows().0, w: w)
        textClasses = bank.pt.l2NormalizedRows().0
    }
    var keys: Tensor { mini.out }
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
        let n = bank.count, classes = keys.textClasses.shape[0]
        let cos = n > 0 ? f.out.matmul(keys.keys, transposeOther: true).data : []
        cosine = cos
        affinity = (0..<n).map { j in
            bank.source[j] == excludeSource ? 0 : (-w.beta * (1 - cos[j])).exponential
        }
        let text = f.out.matmul(keys.textClasses, transposeOther: true).data   // [C]
        var logits = text.map { $0 * logitScale }
        for j in 0..<n where affinity[j] != 0 {
            for c in 0..<classes { logits[c] += w.alpha * affinity[j] * bank.lt.data[j * classes + c] }
        }
        self.logits = logits
    }

    /// dlogits: [C]. Adds gradients of the mini-net (query side), the cache scalars, and
    /// returns dK: [N, d] for the bank side (summed over queries by the caller).
    func backward(dlogits: [Float], keys: BankKeys, bank: MemoryBank, w: HeadWeights,
                  logitScale: Float, grads: inout ParameterSet) -> Tensor {
        let n = bank.count, classes = dlogits.count
        let d = f.out.rowLength
        var df = Tensor(shape: [1, classes], data: dlogits.map { $0 * logitScale })
            .matmul(keys.textClasses)                                              // [1, d]
        var dAlpha: Float = 0, dBeta: Float = 0
        var dcos = [Float](repeating: 0, count: n)
        for j in 0..<n where affinity[j] != 0 {
            var wj: Float = 0
            for c in 0..<classes { wj += dlogits[c] * bank.lt.data[j * classes + c] }
            dAlpha += affinity[j] * wj
            let de = w.alpha * wj * affinity[j]     // d/d(exponent) of alpha e_j
            dcos[j] = de * w.beta
            dBeta -= de * (1 - cosine[j])
        }
        grads.values[grads.offset("cache.log_alpha")] += w.alpha * dAlpha
        grads.values[grads.offset("cache.log_beta")] += w.beta * dBeta
        let dcosT = Tensor(shape: [1, max(n, 0)], data: dcos)
        if n > 0 { df = df + dcosT.matmul(keys.keys) }
        f.backward(df, w: w, grads: &grads)
        return n > 0 ? dcosT.matmul(f.out, transposeSelf: true) : Tensor(zeros: [0, d])  // [N, d]
    }
}
