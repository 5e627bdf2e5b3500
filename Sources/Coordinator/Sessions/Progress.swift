import Foundation
import Logging
import Shared

/// Training progress: step, loss and its parts (means over the step's queries),
/// episodes/s, ETA and live workers.
///
/// On a terminal it is one line redrawn in place. Anywhere else (a SLURM job's output
/// file, a pipe) it is a log line at the first step, then every `logEvery` seconds
/// (`train.log_every`) and at the last step, so a job log shows how far a run got without
/// one line per step; metrics.jsonl has every step.
struct Progress {
    enum Output { case terminal, log(every: Double), off }

    let total: Int
    let output: Output
    private let log: Logger
    private var started = Date()
    private var lastShown = Date.distantPast
    private var stepsSeen = 0

    /// `quiet`: nothing at all (the benchmarks and the demo print their own summaries).
    init(total: Int, quiet: Bool, log: Logger, logEvery: Double) {
        self.total = total
        self.log = log
        output = quiet ? .off : isatty(STDERR_FILENO) == 1 ? .terminal : .log(every: logEvery)
    }

    mutating func update(step: Int, loss: LossParts, workers: Int) {
        stepsSeen += 1
        let now = Date()
        let every: Double
        switch output {
        case .off: return
        case .terminal: every = 0.2
        case .log(let e): every = e
        }
        guard now.timeIntervalSince(lastShown) >= every || step == total else { return }
        lastShown = now
        let rate = Double(stepsSeen) / max(now.timeIntervalSince(started), 1e-9)
        let eta = Double(total - step) / max(rate, 1e-9)
        let text = String(format: "step %d/%d  loss %.4f (focal %.4f, dice %.4f, bce %.4f, ce %.4f)  %.2f episodes/s  ETA %@  workers %d",
                          step, total, loss.total, loss.focal, loss.dice, loss.bce, loss.ce, rate, Self.clock(eta), workers)
        if case .terminal = output {
            FileHandle.standardError.write(Data("\r\(text)   ".utf8))
        } else {
            log.info("\(text)")
        }
    }

    func finish() {
        if case .terminal = output { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
