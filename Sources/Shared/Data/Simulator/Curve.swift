import Foundation

/// A smooth depth curve across the image, z(x) = base + sum of a few sinusoids (mm): a
/// tissue boundary, a Cooper's ligament or a muscle fibre.
struct Curve: Sendable {
    var base: Double
    var slope: Double = 0
    var waves: [(amplitude: Double, period: Double, phase: Double)] = []

    func z(_ x: Double) -> Double {
        var z = base + slope * x
        for w in waves { z += w.amplitude * sin(2 * Double.pi * x / w.period + w.phase) }
        return z
    }

    /// A gently undulating curve: `count` waves with amplitudes up to `amplitude` and
    /// periods between `minPeriod` and `maxPeriod`.
    static func wavy(base: Double, amplitude: Double, minPeriod: Double, maxPeriod: Double,
                     count: Int = 2, slope: Double = 0, rng: inout SplitMix64) -> Curve {
        var c = Curve(base: base, slope: slope)
        for _ in 0..<count {
            c.waves.append((amplitude * Double(0.3 + 0.7 * rng.nextUniform()),
                            minPeriod + (maxPeriod - minPeriod) * Double(rng.nextUniform()),
                            2 * Double.pi * Double(rng.nextUniform())))
        }
        return c
    }
}

/// Smooth random texture: unit normal values on a coarse grid, bilinearly upsampled.
enum SmoothNoise {
    /// values: [rows, cols] with correlation length about `cell` pixels.
    static func field(rows: Int, cols: Int, cell: Double, rng: inout SplitMix64) -> [Float] {
        let gh = max(2, Int((Double(rows) / max(cell, 1)).rounded(.up)) + 1)
        let gw = max(2, Int((Double(cols) / max(cell, 1)).rounded(.up)) + 1)
        var grid = Tensor(zeros: [gh, gw])
        for k in grid.data.indices { grid.data[k] = rng.nextNormal() }
        return BilinearResize(from: (gh, gw), to: (rows, cols)).forward(grid).data
    }
}

/// 0 below `edge0`, 1 above `edge1`, smooth (cubic) in between.
@inline(__always)
func smoothstep(_ edge0: Double, _ edge1: Double, _ x: Double) -> Double {
    let t = min(max((x - edge0) / (edge1 - edge0), 0), 1)
    return t * t * (3 - 2 * t)
}
