import Foundation

/// The tissue layers of a breast seen by a linear probe, from the skin down: skin line,
/// subcutaneous fat crossed by Cooper's ligaments, fibroglandular tissue with fat lobules,
/// a thin retromammary fat layer, pectoral muscle with its fibres, chest wall. Depths in mm.
struct BreastAnatomy: Sendable {
    var skin: Double
    var fatBottom: Curve
    var glandBottom: Curve
    var muscleBottom: Curve
    var ligaments: [Curve]
    var fibres: [Curve]

    // Echo amplitude of each tissue relative to glandular tissue (1 = gland), and
    // attenuation in dB / (cm MHz).
    static let skinLine = 1.4, dermis = 0.75, fat = 0.2, ligament = 1.0, fascia = 0.9
    static let gland = 0.8, muscle = 0.32, fibre = 0.7, chestWall = 0.28
    static let alphaFat = 0.6, alphaGland = 0.85, alphaMuscle = 1.0, alphaNominal = 0.75

    /// A thin bright line's profile: exp(-(d / width)^2), 0 beyond 4 widths.
    @inline(__always)
    static func line(_ d: Double, width: Double) -> Double {
        let t = d / width
        return abs(t) < 4 ? exp(-t * t) : 0
    }

    static func draw(rng: inout SplitMix64) -> BreastAnatomy {
        func u(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(rng.nextUniform()) }
        let skin = u(1.4, 2.4)
        let fatThickness = u(3, 9)
        let glandThickness = u(9, 20)
        let muscleThickness = u(5, 10)
        let fatBottom = Curve.wavy(base: skin + fatThickness, amplitude: 1.5, minPeriod: 15, maxPeriod: 40,
                                   slope: u(-0.05, 0.05), rng: &rng)
        let glandBottom = Curve.wavy(base: fatBottom.base + glandThickness, amplitude: 2.5, minPeriod: 20, maxPeriod: 50,
                                     slope: u(-0.08, 0.08), rng: &rng)
        let muscleBottom = Curve.wavy(base: glandBottom.base + 1.5 + muscleThickness, amplitude: 1.5,
                                      minPeriod: 30, maxPeriod: 60, slope: glandBottom.slope, rng: &rng)
        var ligaments: [Curve] = []
        for _ in 0..<Int(u(3, 7)) {
            // Oblique arcs through the fat, from the skin towards the gland.
            ligaments.append(Curve(base: u(skin, skin + fatThickness), slope: u(-0.6, 0.6),
                                   waves: [(u(0.5, 2), u(8, 25), u(0, 2 * Double.pi))]))
        }
        var fibres: [Curve] = []
        let spacing = u(0.9, 1.6), fibreSlope = u(-0.12, 0.12)
        var z = glandBottom.base + 1.5 + spacing / 2
        while z < muscleBottom.base + 3 * spacing {
            fibres.append(Curve(base: z, slope: fibreSlope, waves: [(u(0.1, 0.4), u(15, 40), u(0, 2 * Double.pi))]))
            z += spacing * u(0.7, 1.3)
        }
        return BreastAnatomy(skin: skin, fatBottom: fatBottom, glandBottom: glandBottom,
                             muscleBottom: muscleBottom, ligaments: ligaments, fibres: fibres)
    }

    /// Echo amplitude and attenuation on a grid of `rows` x `cols` pixels of `dz` x `dx`
    /// mm (pixel centres), with seeded texture.
    /// returns: echo [rows, cols], alpha [rows, cols]
    func render(rows: Int, cols: Int, dz: Double, dx: Double, rng: inout SplitMix64) -> (echo: [Float], alpha: [Float]) {
        let fatTexture = SmoothNoise.field(rows: rows, cols: cols, cell: 1.5 / dz, rng: &rng)
        let glandTexture = SmoothNoise.field(rows: rows, cols: cols, cell: 2.5 / dz, rng: &rng)
        let lobules = SmoothNoise.field(rows: rows, cols: cols, cell: 3.5 / dz, rng: &rng)
        var echo = [Float](repeating: 0, count: rows * cols)
        var alpha = [Float](repeating: 0, count: rows * cols)
        let edge = max(0.25, dz)                        // boundary blur, mm
        for j in 0..<cols {
            let x = (Double(j) + 0.5) * dx
            let fb = fatBottom.z(x), gb = glandBottom.z(x), mt = gb + 1.5, mb = muscleBottom.z(x)
            let lig = ligaments.map { $0.z(x) }
            let fib = fibres.map { $0.z(x) }
            for i in 0..<rows {
                let z = (Double(i) + 0.5) * dz
                let k = i * cols + j
                // Layer weights (smooth at the boundaries).
                let inFat = smoothstep(skin - edge, skin + edge, z) * (1 - smoothstep(fb - edge, fb + edge, z))
                let inGland = smoothstep(fb - edge, fb + edge, z) * (1 - smoothstep(gb - edge, gb + edge, z))
                let inRetro = smoothstep(gb - edge, gb + edge, z) * (1 - smoothstep(mt - edge, mt + edge, z))
                let inMuscle = smoothstep(mt - edge, mt + edge, z) * (1 - smoothstep(mb - edge, mb + edge, z))
                let inChest = smoothstep(mb - edge, mb + edge, z)
                let inSkin = 1 - smoothstep(skin - edge, skin + edge, z)

                var e = inSkin * (z < 0.45 ? Self.skinLine : Self.dermis)
                var fatEcho = Self.fat * (1 + 0.25 * Double(fatTexture[k]))
                if inFat > 0 { for c in lig { fatEcho += Self.ligament * Self.line(z - c, width: 0.18) } }
                e += inFat * fatEcho
                let lobule = smoothstep(0.8, 1.3, Double(lobules[k]))
                let glandEcho = Self.gland * (1 + 0.22 * Double(glandTexture[k]))
                e += inGland * (glandEcho * (1 - lobule) + Self.fat * lobule)
                e += inRetro * Self.fat
                var muscleEcho = Self.muscle
                if inMuscle > 0 { for c in fib { muscleEcho += Self.fibre * Self.line(z - c, width: 0.15) } }
                e += inMuscle * muscleEcho
                e += inChest * Self.chestWall
                // Specular fascia lines at the gland's top and the muscle's top.
                e += Self.fascia * (Self.line(z - fb, width: 0.2) + Self.line(z - mt, width: 0.25))
                echo[k] = Float(max(e, 0.01))
                alpha[k] = Float(inSkin * Self.alphaGland + (inFat + inRetro) * Self.alphaFat
                                 + inGland * Self.alphaGland + (inMuscle + inChest) * Self.alphaMuscle)
            }
        }
        return (echo, alpha)
    }
}
