import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM (scancel, a SLURM time limit, `kill`) as a request to stop
/// at a safe point: training then checkpoints the last finished step and exits, so that
/// `--resume` loses nothing. A second Ctrl-C stops the process at once; a repeated
/// SIGTERM does not (SLURM signals the whole job and the job script passes it on too).
///
/// The handler only stores the signal number in an atomic; the event loop polls it. (A
/// real handler rather than SIG_IGN plus a dispatch source, because ignored signals stay
/// ignored in the local workers this process starts.)
enum StopRequest {
    private static let pending = Atomic<Int32>(0)

    /// Installs the handlers for SIGINT and SIGTERM.
    static func install() {
        _ = pending.load(ordering: .relaxed)   // initialized here, never first inside a handler
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                // Async-signal-safe only: an atomic exchange, signal() and raise().
                if StopRequest.pending.exchange(sig, ordering: .sequentiallyConsistent) != 0, sig == SIGINT {
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART   // file I/O carries on; zmq_poll's EINTR is retried by Wire
            sigaction(sig, &action, nil)
        }
    }

    /// Puts the default actions back (the request, if any, stays readable).
    static func uninstall() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The signal that asked to stop, if one has.
    static var received: Int32? {
        let s = pending.load(ordering: .sequentiallyConsistent)
        return s == 0 ? nil : s
    }

    static func name(_ sig: Int32) -> String { sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)" }
}

/// Training stopped by SIGINT or SIGTERM after `step` steps (the last one checkpointed).
struct TrainingStopped: Error, CustomStringConvertible {
    let signal: Int32
    let step: Int
    let checkpoint: URL?

    var description: String {
        guard let checkpoint else { return "stopped by \(StopRequest.name(signal)) before the first step; nothing to resume" }
        return "stopped by \(StopRequest.name(signal)) after step \(step); checkpoint \(checkpoint.path); continue with the same command and --resume"
    }
}
