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

    /// One update of `params` with gradient `grads` (same layout).
    public mutating func update(_ params: inout ParameterSet, with grads: ParameterSet) {
        precondition(params.layout == grads.layout && params.layout == m.layout, "AdamW: layouts differ")
        step += 1
        let s = settings
        let bc1 = 1 - Double(s.beta1).power(step)
        let bc2 = 1 - Double(s.beta2).power(step)
        let stepSize = Float(Double(s.learningRate) / bc1)
        let bc2Root = Float(bc2.squareRoot())
        let decay = 1 - s.learningRate * s.weightDecay
        for i in params.values.indices {
            let g = grads.values[i]
            if s.weightDecay != 0 { params.values[i] *= decay }
            m.values[i] = s.beta1 * m.values[i] + (1 - s.beta1) * g
            v.values[i] = s.beta2 * v.values[i] + (1 - s.beta2) * g * g
            let denom = v.values[i].squareRoot() / bc2Root + s.epsilon
            params.values[i] -= stepSize * m.values[i] / denom
        }
    }
}

extension Double {
    fileprivate func power(_ n: Int) -> Double { Foundation.pow(self, Double(n)) }
}
