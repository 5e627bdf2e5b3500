import Foundation

/// AdamW with decoupled weight decay over a flat `ParameterSet`, step for step the same
/// arithmetic as PyTorch's `torch.optim.AdamW` (single-tensor path):
///   theta *= 1 - lr * wd
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   theta -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
public struct AdamW: Equatable, Sendable {
    public struct Settings: Equatable, Sendable, Codable {
        public var learningRate: Float = 1e-3
        public var beta1: Float = 0.5
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0
        public init() {}
    }

    public var settings: Settings
    /// First and second moments, in the parameters' layout.
    public var m: ParameterSet
    public var v: ParameterSet
    /// Steps taken so far.
    public var step: Int

    public init(layout: ParameterLayout, settings: Settings = Settings()) {
        self.settings = settings
        m = ParameterSet(zeros: layout)
        v = ParameterSet(zeros: layout)
        step = 0
    }

    /// One update with the gradient `gradientSum / divisor` (nil: a zero gradient): the
    /// coordinator and the in-process trainer pass the reduction tree's root and the
    /// episode's query count, so the mean is a division (not a multiplication by a
    /// reciprocal, which rounds differently) done the same way in both. Eight parameters
    /// at a time; each lane does exactly the scalar arithmetic above, so the bits depend
    /// neither on the vector width nor on `threads` (the update is memory-bound: seven
    /// 10 MB streams, which one core alone moves in ~8 ms).
    public mutating func update(_ params: inout ParameterSet, gradientSum: [Float]?, divisor: Float, threads: Int = 1) {
        precondition(params.layout == m.layout, "AdamW: layouts differ")
        let n = params.values.count
        precondition(gradientSum.map { $0.count == n } ?? true, "AdamW: gradient of \(gradientSum?.count ?? 0) values for \(n) parameters")
        step += 1
        let s = settings
        let bc1 = 1 - Double(s.beta1).power(step)
        let bc2 = 1 - Double(s.beta2).power(step)
        let k = Constants(stepSize: Float(Double(s.learningRate) / bc1), bc2Root: Float(bc2.squareRoot()),
                          decay: 1 - s.learningRate * s.weightDecay, settings: s,
                          divisor: gradientSum == nil ? 1 : divisor)
        let sum = gradientSum ?? [Float](repeating: 0, count: n)
        params.values.withUnsafeMutableBufferPointer { p in
            m.values.withUnsafeMutableBufferPointer { mb in
                v.values.withUnsafeMutableBufferPointer { vb in
                    sum.withUnsafeBufferPointer { gb in
                        let (pp, mp, vp) = (SharedMutablePointer(base: p.baseAddress!), SharedMutablePointer(base: mb.baseAddress!),
                                            SharedMutablePointer(base: vb.baseAddress!))
                        let gp = SharedPointer(base: gb.baseAddress!)
                        // Ranges of whole 8-lane groups, so only the last range has a tail.
                        Parallel.forEachRange(count: (n + 7) / 8, threads: threads, minimumPerThread: 1 << 15) { groups in
                            Self.update(from: groups.lowerBound * 8, to: min(n, groups.upperBound * 8),
                                        p: pp.base, m: mp.base, v: vp.base, g: gp.base, k)
                        }
                    }
                }
            }
        }
    }

    private struct Constants {
        typealias V = SIMD8<Float>
        let stepSize, bc2Root, decay, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, divisor: V
        let decays: Bool
        init(stepSize: Float, bc2Root: Float, decay: Float, settings s: Settings, divisor: Float) {
            self.stepSize = V(repeating: stepSize); self.bc2Root = V(repeating: bc2Root)
            self.decay = V(repeating: decay); decays = s.weightDecay != 0
            beta1 = V(repeating: s.beta1); beta2 = V(repeating: s.beta2)
            oneMinusBeta1 = V(repeating: 1 - s.beta1); oneMinusBeta2 = V(repeating: 1 - s.beta2)
            epsilon = V(repeating: s.epsilon); self.divisor = V(repeating: divisor)
        }
    }

    private static func update(from start: Int, to end: Int, p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                               v: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, _ k: Constants) {
        var i = start
        while i < end {
            let lanes = min(8, end - i)
            let grad = load(g + i, lanes) / k.divisor
            var theta = load(p + i, lanes)
            if k.decays { theta *= k.decay }
            let m1 = k.beta1 * load(m + i, lanes) + k.oneMinusBeta1 * grad
            let v1 = k.beta2 * load(v + i, lanes) + k.oneMinusBeta2 * grad * grad
            let denom = v1.squareRoot() / k.bc2Root + k.epsilon
            theta -= k.stepSize * m1 / denom
            store(theta, p + i, lanes)
            store(m1, m + i, lanes)
            store(v1, v + i, lanes)
            i += 8
        }
    }

    /// `lanes` values (fewer than 8 only at the end of the buffer), the rest zeros.
    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
        if lanes == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for k in 0..<lanes { v[k] = p[k] }
        return v
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for k in 0..<lanes { p[k] = v[k] }
    }
}

extension Double {
    fileprivate func power(_ n: Int) -> Double { Foundation.pow(self, Double(n)) }
}
