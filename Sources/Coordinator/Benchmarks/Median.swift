import Foundation

/// The middle value (the mean of the two middle ones for an even count; NaN for none): what
/// the benchmarks quote on a machine whose speed drifts.
func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
