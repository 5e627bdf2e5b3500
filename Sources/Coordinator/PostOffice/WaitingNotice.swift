import Foundation
import Logging
import Shared

/// While a session waits for workers it says so at once and again every `every` seconds,
/// with the exact command that starts one, so a coordinator with no workers does not look
/// hung. When this process starts enough workers itself, it stays quiet for the first
/// interval (they connect within a second).
struct WaitingNotice {
    let localWorkers: Int
    let command: String
    var every: Double = 30
    private var next: Date?

    /// `endpoint`: the tcp endpoint bound (a wildcard host is replaced by this host's name).
    init(localWorkers: Int, endpoint: String, curve: ClusterConfig.CurveSettings?) {
        self.localWorkers = localWorkers
        var connect = endpoint
        for wildcard in ["tcp://*:", "tcp://0.0.0.0:", "tcp://[::]:"] where connect.hasPrefix(wildcard) {
            connect = "tcp://\(ProcessInfo.processInfo.hostName):" + connect.dropFirst(wildcard.count)
        }
        var command = "ultraad-worker --connect \(connect)"
        if let curve {
            command += " --server-key \(curve.publicKey.path) --key WORKER.key_secret (a secret key whose public half is in coordinator.curve.authorized_workers)"
        }
        self.command = command
    }

    /// Called on every turn of the event loop while fewer than `needed` workers are ready.
    mutating func remind(ready: Int, needed: Int, log: Logger, now: Date = Date()) {
        if next == nil {
            next = localWorkers >= needed ? now.addingTimeInterval(every) : now
        }
        guard let due = next, now >= due else { return }
        next = now.addingTimeInterval(every)
        log.notice("waiting for \(needed - ready) more worker(s) (\(ready) of \(needed) ready); start one on any machine that can reach this one with: \(command), or rerun this command with --local-workers \(needed)")
    }
}
