import Foundation

/// One simulated B-mode image with its lesion mask.
public struct SimulatedImage: Sendable {
    public var size: Int
    /// image: [size, size] gray in [0, 1], row 0 at the skin.
    public var image: [Float]
    /// mask: [size, size], 1 inside the lesion, all 0 for a normal image.
    public var mask: [Float]
    public var lesion: SimulatedLesion?
}

/// Renders synthetic B-mode breast ultrasound for one device:
/// tissue echo and attenuation maps (BreastAnatomy) with a lesion (SimulatedLesion), speckle
/// (random scatterers through the PSF) at the device's native resolution, round-trip depth
/// attenuation, additive electronic noise, time-gain compensation and gain, envelope
/// detection, log compression into the device's dynamic range, speckle reduction, then
/// resampling to the export size. Deterministic for a seed.
public struct BModeSimulator: Sendable {
    public var device: DeviceSettings
    /// Echo level (dB above the speckle of glandular tissue) that maps to white at 0 dB gain.
    public static let whiteDB = 9.0
    /// Rayleigh length of the beam away from its focus, mm.
    public static let focalRangeMM = 12.0
    /// How much the electronic noise rises from the top to the bottom of the image, dB.
    public static let noiseRiseDB = 10.0

    public init(device: DeviceSettings) { self.device = device }

    /// An image of `kind` (normal: no lesion), `size` x `size` pixels.
    public func render(kind: LesionClass, size: Int, seed: UInt64) -> SimulatedImage {
        precondition(size >= 8, "image size below 8")
        var rng = SplitMix64(seed: seed)
        _ = rng.next()
        let d = device
        let native = max(8, Int((Double(size) * d.resolution).rounded()))
        let rows = native, cols = native
        let dz = d.depthMM / Double(rows), dx = d.widthMM / Double(cols)

        let anatomy = BreastAnatomy.draw(rng: &rng)
        let lesion = kind.isAbnormal
            ? SimulatedLesion.draw(kind: kind, anatomy: anatomy, width: d.widthMM, depth: d.depthMM, rng: &rng)
            : nil
        var (echo, alpha) = anatomy.render(rows: rows, cols: cols, dz: dz, dx: dx, rng: &rng)
        if let lesion { Self.insert(lesion, echo: &echo, alpha: &alpha, rows: rows, cols: cols, dz: dz, dx: dx, rng: &rng) }

        let sigmaLateral = (0..<rows).map { i -> Double in
            let z = (Double(i) + 0.5) * dz
            let off = (z - d.focusDepthMM) / Self.focalRangeMM
            return d.speckleLateralMM * (1 + off * off).squareRoot() / dx
        }
        var normals = NormalPairs(seed: rng.next())
        let (re, im) = Speckle.echoSignal(echo: echo, rows: rows, cols: cols, sigmaAxial: d.speckleAxialMM / dz,
                                          sigmaLateral: sigmaLateral, normals: &normals)
        var display = Tensor(shape: [rows, cols],
                             data: logCompressed(re: re, im: im, alpha: alpha, rows: rows, cols: cols, dz: dz, normals: &normals))
        if d.smoothingPx > 0.05 { display = GaussianFilter(sigma: Float(d.smoothingPx), truncate: 3).apply(display) }
        let image = BilinearResize(from: (rows, cols), to: (size, size)).forward(display).data.map { min(max($0, 0), 1) }

        var mask = [Float](repeating: 0, count: size * size)
        if let lesion {
            for i in 0..<size {
                let z = (Double(i) + 0.5) * d.depthMM / Double(size)
                for j in 0..<size where lesion.contains(x: (Double(j) + 0.5) * d.widthMM / Double(size), z: z) {
                    mask[i * size + j] = 1
                }
            }
        }
        return SimulatedImage(size: size, image: image, mask: mask, lesion: lesion)
    }

    /// Blends the lesion's echo (with texture for malignant lesions) and attenuation into
    /// the tissue maps.
    static func insert(_ lesion: SimulatedLesion, echo: inout [Float], alpha: inout [Float],
                       rows: Int, cols: Int, dz: Double, dx: Double, rng: inout SplitMix64) {
        let texture = SmoothNoise.field(rows: rows, cols: cols, cell: 1.2 / dz, rng: &rng)
        let heterogeneity = lesion.kind == .malignant ? 0.45 : 0.1
        let reach = lesion.reach
        let i0 = max(0, Int((lesion.centerZ - reach) / dz)), i1 = min(rows - 1, Int((lesion.centerZ + reach) / dz) + 1)
        let j0 = max(0, Int((lesion.centerX - reach) / dx)), j1 = min(cols - 1, Int((lesion.centerX + reach) / dx) + 1)
        guard i0 <= i1, j0 <= j1 else { return }
        for i in i0...i1 {
            let z = (Double(i) + 0.5) * dz
            for j in j0...j1 {
                let w = lesion.weight(x: (Double(j) + 0.5) * dx, z: z)
                guard w > 0 else { continue }
                let k = i * cols + j
                let inside = lesion.echo * max(0.2, 1 + heterogeneity * Double(texture[k]))
                echo[k] = Float(Double(echo[k]) * (1 - w) + inside * w)
                alpha[k] = Float(Double(alpha[k]) * (1 - w) + lesion.alpha * w)
            }
        }
    }

    /// Attenuation, TGC, gain, electronic noise, envelope and log compression. The noise
    /// is white and complex, `noiseDB` below glandular speckle near the skin and rising by
    /// `noiseRiseDB` towards the bottom (the receiver amplifies it with the TGC).
    /// returns: display values [rows, cols] (may leave [0, 1] before clamping)
    func logCompressed(re: [Float], im: [Float], alpha: [Float], rows: Int, cols: Int, dz: Double,
                       normals: inout NormalPairs) -> [Float] {
        let d = device
        let dzCM = dz / 10
        // Round trip loss 2 * alpha * f * depth; the TGC restores a fraction of the loss
        // nominal tissue would cause.
        let perRowTGC = 2 * BreastAnatomy.alphaNominal * d.frequencyMHz * dzCM * d.tgcCompensation
        let top = Float(Self.whiteDB - d.gainDB)
        let range = Float(d.dynamicRangeDB)
        let referenceDB = Float(10 * log10(2.0))   // speckle power of echo 1: |re|^2 + |im|^2 = 2
        var out = [Float](repeating: 0, count: rows * cols)
        var lossDB = [Float](repeating: 0, count: cols)
        let stepPerAlpha = Float(2 * d.frequencyMHz * dzCM)
        let dbToLog = Float(log(10.0) / 20)
        for i in 0..<rows {
            let tgcDB = Float(perRowTGC * (Double(i) + 0.5))
            let noise = Float(pow(10, (d.noiseDB + Self.noiseRiseDB * (Double(i) + 0.5) / Double(rows)) / 20))
            for j in 0..<cols {
                let k = i * cols + j
                let step = alpha[k] * stepPerAlpha
                lossDB[j] += step
                // Loss down to this pixel's centre, TGC applied.
                let amplitude = exp((tgcDB - lossDB[j] + 0.5 * step) * dbToLog)
                let a = re[k] * amplitude + noise * normals.next()
                let b = im[k] * amplitude + noise * normals.next()
                let db = 10 * log10(max(a * a + b * b, 1e-12)) - referenceDB
                out[k] = (db - top + range) / range
            }
        }
        return out
    }
}
