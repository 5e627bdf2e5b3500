import Foundation

/// A breast lesion's shape and echo properties, in mm.
///
/// The outline in polar form around the centre, in a frame scaled by the semi-axes and
/// rotated by `tilt`: a point is inside when rho < r(theta), with
/// r(theta) = 1 + sum of lobulation harmonics + spicules. Benign: oval, wider than tall,
/// smooth (small low-order harmonics), homogeneous, low attenuation (posterior
/// enhancement). Malignant: irregular (higher harmonics), spiculated, often taller than
/// wide, heterogeneous, high attenuation (posterior shadowing).
public struct SimulatedLesion: Sendable {
    public var kind: LesionClass
    public var centerX: Double
    public var centerZ: Double
    /// Semi-axes across the beam (lateral) and along it (axial) before the tilt.
    public var semiLateral: Double
    public var semiAxial: Double
    public var tilt: Double
    var harmonics: [(order: Double, amplitude: Double, phase: Double)]
    var spicules: [(angle: Double, halfWidth: Double, length: Double)]
    /// Echo amplitude inside, relative to glandular tissue.
    public var echo: Double
    /// Attenuation inside, dB / (cm MHz).
    public var alpha: Double
    /// Width of the margin transition as a fraction of the radius (inside the outline).
    var margin: Double

    /// Wider than tall: the lesion's lateral extent over its axial extent.
    public var aspect: Double { semiLateral / semiAxial }

    /// r(theta) of the outline, in units of the semi-axes.
    func radius(_ theta: Double) -> Double {
        var r = 1.0
        for h in harmonics { r += h.amplitude * cos(h.order * theta + h.phase) }
        for s in spicules {
            var d = abs(theta - s.angle).truncatingRemainder(dividingBy: 2 * Double.pi)
            if d > Double.pi { d = 2 * Double.pi - d }
            if d < s.halfWidth { r += s.length * pow(1 - d / s.halfWidth, 2) }
        }
        return r
    }

    /// rho / r(theta) of a point: below 1 inside the outline.
    func normalizedRadius(x: Double, z: Double) -> Double {
        let dx = x - centerX, dz = z - centerZ
        let c = cos(tilt), s = sin(tilt)
        let u = (dx * c + dz * s) / semiLateral
        let v = (-dx * s + dz * c) / semiAxial
        let rho = (u * u + v * v).squareRoot()
        return rho / radius(atan2(v, u))
    }

    /// True inside the outline: the mask.
    public func contains(x: Double, z: Double) -> Bool { normalizedRadius(x: x, z: z) < 1 }

    /// How much of the lesion's echo and attenuation a point takes: 1 well inside, falling
    /// to 0 at the outline over the margin (so the lesion never darkens tissue outside
    /// its mask).
    func weight(x: Double, z: Double) -> Double {
        1 - smoothstep(1 - margin, 1, normalizedRadius(x: x, z: z))
    }

    /// Largest extent from the centre, mm (a bound for placement).
    var reach: Double {
        let rmax = 1 + harmonics.reduce(0) { $0 + abs($1.amplitude) } + (spicules.map(\.length).max() ?? 0)
        return rmax * max(semiLateral, semiAxial)
    }

    /// A lesion of `kind` placed in the fibroglandular layer of `anatomy`, inside an image
    /// of `width` x `depth` mm.
    static func draw(kind: LesionClass, anatomy: BreastAnatomy, width: Double, depth: Double,
                     rng: inout SplitMix64) -> SimulatedLesion {
        precondition(kind.isAbnormal, "normal images have no lesion")
        func u(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(rng.nextUniform()) }
        let scale = min(width, depth) / 40
        var lesion: SimulatedLesion
        if kind == .benign {
            let a = u(3.5, 8) * scale
            lesion = SimulatedLesion(
                kind: kind, centerX: 0, centerZ: 0, semiLateral: a, semiAxial: a * u(0.45, 0.75),
                tilt: u(-0.25, 0.25),
                harmonics: (0..<Int(u(1, 3))).map { _ in (Double(Int(u(2, 4))), u(0, 0.06), u(0, 2 * Double.pi)) },
                spicules: [], echo: u(0.04, 0.12), alpha: BreastAnatomy.alphaGland * u(0.25, 0.55), margin: 0.06)
        } else {
            let a = u(3, 7) * scale
            let tall = rng.nextUniform() < 0.65
            lesion = SimulatedLesion(
                kind: kind, centerX: 0, centerZ: 0, semiLateral: a, semiAxial: a * (tall ? u(1.1, 1.6) : u(0.75, 1.0)),
                tilt: u(-0.3, 0.3),
                harmonics: (2...7).map { k in (Double(k), u(0.02, 0.14) / Double(k).squareRoot(), u(0, 2 * Double.pi)) },
                spicules: (0..<Int(u(6, 14))).map { _ in (u(-Double.pi, Double.pi), u(0.05, 0.12), u(0.25, 0.55)) },
                echo: u(0.03, 0.1), alpha: BreastAnatomy.alphaGland + u(0.25, 0.6), margin: 0.15)
        }
        // Centre: in the gland, with the whole lesion below the skin and above the bottom.
        let reach = lesion.reach
        let x = u(reach + 1, max(reach + 1, width - reach - 1))
        let top = anatomy.fatBottom.z(x), bottom = anatomy.glandBottom.z(x)
        var zLo = top + 0.4 * lesion.semiAxial, zHi = bottom - 0.2 * lesion.semiAxial
        zLo = max(zLo, anatomy.skin + reach + 1)
        zHi = min(zHi, depth - reach - 2)
        lesion.centerX = x
        lesion.centerZ = zHi > zLo ? u(zLo, zHi) : min(max((top + bottom) / 2, anatomy.skin + reach + 1), depth - reach - 2)
        return lesion
    }
}
