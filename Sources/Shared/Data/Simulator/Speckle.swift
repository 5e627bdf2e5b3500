import Foundation

/// Speckle: random scatterers (complex normal, amplitude scaled by the local echo) seen
/// through the probe's point-spread function, a Gaussian along the beam times a Gaussian
/// across it whose width depends on depth (narrowest at the focus). The result is the
/// complex echo signal; its magnitude is Rayleigh-distributed in uniform tissue with a
/// grain size set by the PSF.
enum Speckle {
    /// echo: [rows, cols] amplitudes; sigmaLateral: one per row, in pixels.
    /// returns: re, im [rows, cols]
    static func echoSignal(echo: [Float], rows: Int, cols: Int, sigmaAxial: Double,
                           sigmaLateral: [Double], normals: inout NormalPairs) -> (re: [Float], im: [Float]) {
        var re = [Float](repeating: 0, count: rows * cols), im = re
        for k in 0..<(rows * cols) {
            re[k] = echo[k] * normals.next()
            im[k] = echo[k] * normals.next()
        }
        let axial = kernel(sigma: sigmaAxial)
        re = convolveColumns(re, rows: rows, cols: cols, kernel: axial)
        im = convolveColumns(im, rows: rows, cols: cols, kernel: axial)
        var cache: [Int: [Float]] = [:]
        let lateral = sigmaLateral.map { s -> [Float] in
            let key = Int((s * 20).rounded())
            if let k = cache[key] { return k }
            let k = kernel(sigma: Double(key) / 20)
            cache[key] = k
            return k
        }
        re = convolveRows(re, rows: rows, cols: cols, kernels: lateral)
        im = convolveRows(im, rows: rows, cols: cols, kernels: lateral)
        return (re, im)
    }

    /// Gaussian taps with unit energy (sum of squares 1), so uniform tissue keeps its
    /// echo power; radius 3 sigma, at least one tap each side.
    static func kernel(sigma: Double) -> [Float] {
        let s = max(sigma, 0.3)
        let r = max(1, Int((3 * s).rounded(.up)))
        let w = (-r...r).map { exp(-0.5 * Double($0 * $0) / (s * s)) }
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return w.map { Float($0 / norm) }
    }

    /// Convolution down each column, zero outside.
    static func convolveColumns(_ x: [Float], rows: Int, cols: Int, kernel: [Float]) -> [Float] {
        let r = kernel.count / 2
        var out = [Float](repeating: 0, count: x.count)
        for i in 0..<rows {
            let lo = max(0, i - r), hi = min(rows - 1, i + r)
            for t in lo...hi {
                let w = kernel[t - i + r], src = t * cols, dst = i * cols
                for j in 0..<cols { out[dst + j] += w * x[src + j] }
            }
        }
        return out
    }

    /// Convolution along each row with that row's kernel, zero outside.
    static func convolveRows(_ x: [Float], rows: Int, cols: Int, kernels: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        for i in 0..<rows {
            let k = kernels[i], r = k.count / 2, base = i * cols
            for j in 0..<cols {
                let lo = max(0, j - r), hi = min(cols - 1, j + r)
                var s: Float = 0
                for t in lo...hi { s += k[t - j + r] * x[base + t] }
                out[base + j] = s
            }
        }
        return out
    }
}
