import Foundation

/// Standard normal values two at a time (Box-Muller in Float, both the cosine and the sine
/// branch), for the simulator's millions of speckle and noise samples: about twice as
/// fast as `SplitMix64.nextNormal()`, which keeps one value per pair in Double.
struct NormalPairs {
    var rng: SplitMix64
    private var spare: Float? = nil

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func next() -> Float {
        if let s = spare { spare = nil; return s }
        let u1 = (Float(rng.next() >> 40) + 1) * (1.0 / 16_777_217.0)   // (0, 1]
        let u2 = Float(rng.next() >> 40) * (2 * Float.pi / 16_777_216.0)
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(u2)
        return r * cos(u2)
    }
}
