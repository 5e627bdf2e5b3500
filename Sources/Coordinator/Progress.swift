import Foundation

/// The live progress line (step, loss, episodes/s, ETA, workers), drawn only on a
/// terminal; logs and metrics.jsonl carry the same facts everywhere else.
struct Progress {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var stepsSeen = 0

    init(total: Int) { self.total = total }

    mutating func update(step: Int, loss: Double, seconds: Double, workers: Int) {
        stepsSeen += 1
        let now = Date()
        guard isTerminal, now.timeIntervalSince(lastDraw) > 0.2 || step == total else { return }
        lastDraw = now
        let rate = Double(stepsSeen) / max(now.timeIntervalSince(started), 1e-9)
        let eta = Double(total - step) / max(rate, 1e-9)
        let line = String(format: "\rstep %d/%d  loss %.4f  %.2f episodes/s  ETA %@  workers %d   ",
                          step, total, loss, rate, Self.clock(eta), workers)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
