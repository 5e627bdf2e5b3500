internal import CBLAS

/// The row unit of this process's sgemm: the smallest u for which a row of X W^T comes out
/// with the same bits in any single-threaded call whose row count is a multiple of u (at
/// least `minimumRows`), wherever the row sits, as long as its offset from the call's first
/// row is the same modulo u. The CLIP image encoder lays each image's tokens out at a
/// multiple of u and splits GEMM rows between threads at multiples of u, so an image's
/// features are the same bits whatever batch it is in and however many threads run.
///
/// Why it is probed: OpenBLAS's kernels sweep the rows in fixed-width panels and treat the
/// last, narrower panel with other code. The SkylakeX and Sandybridge kernels give every
/// row the same bits regardless (u = 1); the Haswell and Zen kernels do not, and line up
/// only at multiples of 12 (their panels are 12 rows wide; up to session 12 the candidates
/// skipped 12 and the probe settled on 24, which padded a ViT-B/16 image's 197 rows to 216
/// instead of 204). No documented constant says which, so each process measures it
/// once, on the sizes the encoder uses, before its first batched GEMM (a few milliseconds).
/// nil when no candidate holds: the encoder then runs one image at a time.
///
/// The probe covers OpenBLAS's blocked path only. For products of at most 10^6 multiply-adds
/// the SkylakeX kernel (0.3.21) switches to separate small-matrix kernels, so a row's bits
/// there depend on the call's size: `forProducts` gives no unit to a model whose smallest
/// GEMM could come near that (the random-weight test models, builtin:tiny; never a
/// released CLIP).
public enum GemmRowUnit {
    public static let value: Int? = probe()

    /// The fewest multiply-adds per call for which batching is trusted: 4x the bound below
    /// which OpenBLAS may take a small-matrix kernel.
    static let smallestBatchedProduct = 1 << 22

    /// The unit for a model whose GEMMs have at least `innerTimesOuter` = in x out weights
    /// each, or nil when a call of `minimumRows` rows could be small.
    public static func forProducts(innerTimesOuter: Int) -> Int? {
        innerTimesOuter * minimumRows >= smallestBatchedProduct ? value : nil
    }

    /// The fewest rows the probe checks a call with. `ParallelGemm` never gives a thread
    /// fewer: its shares are at least 32 rows before they are rounded to multiples of u.
    static let minimumRows = 16

    static let candidates = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192]

    static func probe() -> Int? {
        let saved = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = saved }
        var rng = SplitMix64(seed: 0x5EED_0F_0A11)
        // Encoder-like inner and output widths: large enough that OpenBLAS takes its
        // blocked path, never the small-matrix kernels meant for tiny products.
        let inner = 768, width = 256
        let weight = (0..<(inner * width)).map { _ in rng.nextNormal() }
        return candidates.first { unit in holds(unit: unit, inner: inner, width: width, weight: weight, rng: &rng) }
    }

    /// One call over 12b rows against four calls of b, 2b + u, 3b - u and 6b rows that cover
    /// the same rows, where b is the smallest multiple of u of at least `minimumRows`.
    static func holds(unit: Int, inner: Int, width: Int, weight: [Float], rng: inout SplitMix64) -> Bool {
        let block = (minimumRows + unit - 1) / unit * unit, rows = 12 * block
        let x = (0..<(rows * inner)).map { _ in rng.nextNormal() }
        var whole = [Float](repeating: 0, count: rows * width), parts = whole
        x.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                func product(_ first: Int, _ count: Int, into c: inout [Float]) {
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(width), Int32(inner),
                                    1, px.baseAddress! + first * inner, Int32(inner), pw.baseAddress!, Int32(inner),
                                    0, pc.baseAddress! + first * width, Int32(width))
                    }
                }
                product(0, rows, into: &whole)
                var first = 0
                for count in [block, 2 * block + unit, 3 * block - unit, 6 * block] {
                    product(first, count, into: &parts)
                    first += count
                }
            }
        }
        return whole.elementsEqual(parts) { $0.bitPattern == $1.bitPattern }
    }
}
