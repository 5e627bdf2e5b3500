/// One simulated scanner's settings: what makes images from two sites differ the way
/// images from two devices do. Lengths are in millimetres.
public struct DeviceSettings: Codable, Equatable, Sendable {
    /// Transmit centre frequency: higher gives finer speckle and more attenuation.
    public var frequencyMHz: Double
    /// Imaging depth (the image's height).
    public var depthMM: Double
    /// Probe aperture (the image's width).
    public var widthMM: Double
    /// Native resolution as a fraction of the exported size: the scanner forms an image of
    /// round(size x resolution) pixels a side, which is then resampled to the export size.
    public var resolution: Double
    /// Speckle grain: the point-spread function's standard deviation along the beam...
    public var speckleAxialMM: Double
    /// ...and across it at the focus (the beam widens away from the focus).
    public var speckleLateralMM: Double
    public var focusDepthMM: Double
    /// Overall receive gain.
    public var gainDB: Double
    /// Log-compression window: echoes from (top - range) to top dB map to black..white.
    public var dynamicRangeDB: Double
    /// Fraction of the nominal tissue attenuation the time-gain compensation restores
    /// (1 = fully flat with depth, below 1 = darker with depth).
    public var tgcCompensation: Double
    /// Electronic noise before time-gain compensation, in dB relative to the echo of
    /// glandular tissue at the skin (more negative = cleaner).
    public var noiseDB: Double
    /// Speckle reduction: the standard deviation, in native pixels, of a Gaussian applied
    /// to the log-compressed image (0 = none), as scanners' speckle-reduction filters do.
    public var smoothingPx: Double

    public init(frequencyMHz: Double, depthMM: Double, widthMM: Double, resolution: Double,
                speckleAxialMM: Double, speckleLateralMM: Double, focusDepthMM: Double,
                gainDB: Double, dynamicRangeDB: Double, tgcCompensation: Double, noiseDB: Double,
                smoothingPx: Double) {
        self.frequencyMHz = frequencyMHz; self.depthMM = depthMM; self.widthMM = widthMM
        self.resolution = resolution; self.speckleAxialMM = speckleAxialMM
        self.speckleLateralMM = speckleLateralMM; self.focusDepthMM = focusDepthMM
        self.gainDB = gainDB; self.dynamicRangeDB = dynamicRangeDB
        self.tgcCompensation = tgcCompensation; self.noiseDB = noiseDB; self.smoothingPx = smoothingPx
    }

    enum CodingKeys: String, CodingKey {
        case frequencyMHz = "frequency_mhz", depthMM = "depth_mm", widthMM = "width_mm"
        case resolution, speckleAxialMM = "speckle_axial_mm", speckleLateralMM = "speckle_lateral_mm"
        case focusDepthMM = "focus_depth_mm", gainDB = "gain_db", dynamicRangeDB = "dynamic_range_db"
        case tgcCompensation = "tgc_compensation", noiseDB = "noise_db", smoothingPx = "smoothing_px"
    }

    /// A reasonable mid-range linear breast probe.
    public static let reference = DeviceSettings(
        frequencyMHz: 10, depthMM: 40, widthMM: 40, resolution: 0.85, speckleAxialMM: 0.24,
        speckleLateralMM: 0.55, focusDepthMM: 18, gainDB: 0, dynamicRangeDB: 45,
        tgcCompensation: 0.9, noiseDB: -40, smoothingPx: 0.8)

    /// The devices of `count` sites, drawn with `seed` so that sites are spread apart:
    /// a "device quality" axis (frequency, speckle grain, native resolution, dynamic range,
    /// noise move together, as between scanner generations) and the operator settings
    /// (gain, depth, width, focus, TGC, speckle reduction) are each split into `count` strata and the sites
    /// take one stratum each in a seeded order, with jitter inside the stratum. Two sites
    /// therefore always differ by at least a fifth of every range.
    public static func draw(count: Int, seed: UInt64) -> [DeviceSettings] {
        precondition(count >= 1, "at least one site")
        var rng = SplitMix64(seed: seed ^ 0x5EED_DE71_CE00_0001)
        _ = rng.next()
        /// One value per site in [0, 1): a stratum each, in a seeded order, jittered.
        func strata() -> [Double] {
            var order = Array(0..<count)
            for k in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(k, Int(rng.next() % UInt64(k + 1)))
            }
            return order.map { (Double($0) + 0.5 + 0.6 * (Double(rng.nextUniform()) - 0.5)) / Double(count) }
        }
        let quality = strata(), gain = strata(), depth = strata(), width = strata()
        let focus = strata(), tgc = strata(), smoothing = strata()
        func mix(_ lo: Double, _ hi: Double, _ t: Double) -> Double { lo + (hi - lo) * t }
        func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        return (0..<count).map { i in
            let q = quality[i]                      // 0 = older, coarser device; 1 = newer, finer
            let f = mix(7.5, 14, q)
            let grain = mix(1.25, 0.85, q)          // grain beyond what the frequency gives
            let d = mix(30, 50, depth[i])
            return DeviceSettings(
                frequencyMHz: round3(f),
                depthMM: round3(d),
                widthMM: round3(mix(36, 48, width[i])),
                resolution: round3(mix(0.55, 1.0, q)),
                speckleAxialMM: round3(2.4 / f * grain),
                speckleLateralMM: round3(5.5 / f * grain),
                focusDepthMM: round3(d * mix(0.3, 0.6, focus[i])),
                gainDB: round3(mix(-5, 5, gain[i])),
                dynamicRangeDB: round3(mix(38, 55, q)),
                tgcCompensation: round3(mix(0.75, 1.0, tgc[i])),
                noiseDB: round3(mix(-32, -48, q)),
                smoothingPx: round3(mix(0.4, 1.2, smoothing[i])))
        }
    }
}
