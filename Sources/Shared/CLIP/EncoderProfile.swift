import Foundation

/// Where the image encoder's wall time goes, phase by phase (`ultraad bench clip --profile`).
///
/// The calling thread takes a lap after each phase. Every phase is one parallel region that
/// ends when all its threads have joined, so a lap holds the phase's whole cost on every
/// thread, and the laps add up to the pass. Laps accumulate over passes.
public final class EncoderProfile {
    public enum Phase: String, CaseIterable, Sendable {
        case patchEmbedding = "patch embedding (im2col, GEMM)"
        case tokens = "tokens (class, positions, ln_pre)"
        case layerNorm = "bias + layer norm"
        case qkv = "q/k/v GEMM"
        case attention = "attention (scores, softmax, values)"
        case attentionOut = "attention output GEMM"
        case fc = "MLP in GEMM (bias, activation)"
        case mlpOut = "MLP out GEMM"
        case outputs = "ln_post, projection (g, U, Z0)"
    }

    public private(set) var seconds: [Phase: Double] = [:]
    private var mark = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Starts the clock for the next phase (call before a pass).
    public func start() { mark = DispatchTime.now().uptimeNanoseconds }

    /// The time since the last lap (or `start`) goes to `phase`.
    func lap(_ phase: Phase) {
        let now = DispatchTime.now().uptimeNanoseconds
        seconds[phase, default: 0] += Double(now - mark) / 1e9
        mark = now
    }

    public var total: Double { seconds.values.reduce(0, +) }
}
