internal import CBLAS
import Foundation

/// Row-parallel sgemm: the rows of the output are split into one contiguous block per
/// thread, at multiples of `GemmRowUnit` (so a row's bits do not depend on the thread
/// count), and each thread runs single-threaded OpenBLAS on its block. With OpenBLAS held
/// at one thread for the duration, every parallel step of the encoders (GEMMs, attention,
/// row passes) runs on the same Dispatch workers, so OpenBLAS's own pool never spins
/// against them.
public enum ParallelGemm {
    /// out (+)= x W^T. x: [R, in]; weight: [out, in]; out: [R, out] (replaced by zeros of
    /// that shape first when `accumulate` is false and its size differs).
    public static func linear(_ x: Tensor, _ weight: Tensor, into out: inout Tensor, accumulate: Bool, threads: Int) {
        multiply(x, weight, transposed: true, into: &out, accumulate: accumulate, threads: threads)
    }

    /// out = activation(x W^T + bias). x: [R, in]; weight: [out, in]; bias: [out]; out: [R, out].
    /// Each thread writes the bias into its rows and accumulates the product onto them,
    /// which saves OpenBLAS's separate pass that zeroes C, then applies the activation to
    /// its rows while they are still in its cache (the bits of a separate pass).
    public static func linear(_ x: Tensor, _ weight: Tensor, bias: Tensor, activation: ActivationKind? = nil,
                              into out: inout Tensor, threads: Int) {
        multiply(x, weight, transposed: true, into: &out, accumulate: false, bias: bias, activation: activation,
                 threads: threads)
    }

    /// x @ W. x: [R, in]; weight: [in, out] -> [R, out].
    public static func product(_ x: Tensor, _ weight: Tensor, threads: Int) -> Tensor {
        var out = Tensor(zeros: [x.rowCount, weight.rank == 2 ? weight.shape[1] : 0])
        multiply(x, weight, transposed: false, into: &out, accumulate: false, threads: threads)
        return out
    }

    static func multiply(_ x: Tensor, _ weight: Tensor, transposed: Bool, into out: inout Tensor,
                         accumulate: Bool, bias: Tensor? = nil, activation: ActivationKind? = nil, threads: Int) {
        let rows = x.rowCount, inWidth = x.rowLength
        precondition(weight.rank == 2 && weight.shape[transposed ? 1 : 0] == inWidth,
                     "linear: weight \(weight.shape) for rows of \(inWidth)")
        let outWidth = weight.shape[transposed ? 0 : 1]
        if !accumulate && out.count != rows * outWidth { out = Tensor(zeros: [rows, outWidth]) }
        precondition(out.count == rows * outWidth, "linear: output of \(out.count) for \(rows) x \(outWidth)")
        out.shape = [rows, outWidth]
        if rows == 0 || outWidth == 0 { return }
        if inWidth == 0 {
            if !accumulate { for i in out.data.indices { out.data[i] = 0 } }
            if let bias { RowKernels.addBiasActivation(&out, bias: bias, activation: activation, threads: threads) }
            return
        }
        let saved = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = saved }
        precondition(bias == nil || bias?.count == outWidth, "linear: bias of \(bias?.count ?? 0) for \(outWidth) outputs")
        let beta: Float = accumulate || bias != nil ? 1 : 0
        let biasValues = bias?.data ?? []
        biasValues.withUnsafeBufferPointer { pbias in
        let add = bias == nil ? nil : pbias.baseAddress.map { SharedPointer(base: $0) }
        x.data.withUnsafeBufferPointer { px in
            weight.data.withUnsafeBufferPointer { pw in
                out.data.withUnsafeMutableBufferPointer { po in
                    let a = SharedPointer(base: px.baseAddress!), b = SharedPointer(base: pw.baseAddress!)
                    let c = SharedMutablePointer(base: po.baseAddress!)
                    Parallel.forEachRange(count: rows, threads: threads, minimumPerThread: 32,
                                          alignment: GemmRowUnit.value ?? 1) { range in
                        let block = c.base + range.lowerBound * outWidth
                        if let add {
                            for r in 0..<range.count { (block + r * outWidth).update(from: add.base, count: outWidth) }
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposed ? CblasTrans : CblasNoTrans,
                                    Int32(range.count), Int32(outWidth), Int32(inWidth), 1,
                                    a.base + range.lowerBound * inWidth, Int32(inWidth),
                                    b.base, Int32(transposed ? inWidth : outWidth), beta, block, Int32(outWidth))
                        if let activation {
                            for r in 0..<range.count { RowKernels.activateRow(block + r * outWidth, n: outWidth, activation) }
                        }
                    }
                }
            }
        }
        }
    }
}
