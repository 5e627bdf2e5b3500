/// The CLIP text tower: token and position embeddings, causal residual blocks, ln_final
/// at the end-of-text position, text projection.
public struct CLIPTextEncoder: Sendable {
    public let weights: CLIPTextWeights
    public var config: CLIPTextConfig { weights.config }

    public init(weights: CLIPTextWeights) { self.weights = weights }

    /// tokens: n rows of `contextLength` ids (`CLIPTokenizer.tokenize`). Returns the text
    /// features before normalization: [n, d].
    ///
    /// Pooling is at the position of each row's largest id (the end token has the largest
    /// id in CLIP vocabularies), first occurrence, as CLIP's `argmax` does. Because the
    /// mask is causal, positions after the last pooled one cannot change the result, so
    /// only the first max(pooled) + 1 positions are computed.
    public func encode(_ tokens: [[Int32]], threads: Int = BLAS.threads) throws(CLIPEncodeError) -> Tensor {
        let c = config, w = c.width
        guard !tokens.isEmpty else { throw .badTokens(reason: "no rows") }
        var pooled = [Int]()
        for (i, row) in tokens.enumerated() {
            guard row.count == c.contextLength else {
                throw .badTokens(reason: "row \(i) has \(row.count) ids, the model's context is \(c.contextLength)")
            }
            if let bad = row.first(where: { $0 < 0 || Int($0) >= c.vocabSize }) {
                throw .badTokens(reason: "row \(i) holds id \(bad), outside the vocabulary of \(c.vocabSize)")
            }
            var best = 0
            for t in 1..<row.count where row[t] > row[best] { best = t }
            pooled.append(best)
        }
        let batch = tokens.count, length = (pooled.max() ?? 0) + 1
        // OpenBLAS stays single-threaded throughout (its pool would spin against ours).
        let savedThreads = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = savedThreads }
        var x = Tensor(zeros: [batch * length, w])
        for b in 0..<batch {
            for t in 0..<length {
                let row = (b * length + t) * w, id = Int(tokens[b][t])
                for j in 0..<w {
                    x.data[row + j] = weights.tokenEmbedding.data[id * w + j] + weights.positionEmbedding.data[t * w + j]
                }
            }
        }
        let stack = TransformerStack(blocks: weights.blocks, heads: c.heads, activation: c.activation, threads: threads)
        stack.run(&x, batch: batch, tokens: length, causal: true) { _, _ in }
        var ends = Tensor(zeros: [batch, w])
        RowKernels.layerNorm(x, rows: pooled.enumerated().map { $0.offset * length + $0.element },
                             gamma: weights.lnFinal.gamma, beta: weights.lnFinal.beta, threads: threads, into: &ends)
        return ParallelGemm.product(ends, weights.projection, threads: threads)
    }
}
