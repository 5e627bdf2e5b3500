import Foundation
import Shared

/// Where a sweep cell stands, from its folder alone (so any process, any node, sees the same).
enum SweepCellState {
    /// metrics.json records this cell's settings and its last step.
    case done(MetricsFile)
    /// The last attempt failed (cells/NAME/failed.txt says why).
    case failed(String)
    case pending

    var isDone: Bool { if case .done = self { return true }; return false }

    var word: String {
        switch self {
        case .done: return "done"
        case .failed: return "failed"
        case .pending: return "pending"
        }
    }
}

extension SweepCell {
    var metricsURL: URL { folder.appendingPathComponent("metrics.json") }
    var failureURL: URL { folder.appendingPathComponent("failed.txt") }
    /// The config digest of the attempt that made the checkpoints (to resume only those).
    var digestURL: URL { folder.appendingPathComponent("cell-digest") }

    /// The step a finished cell's metrics were evaluated at: the last one, or 0 for the
    /// zero-shot baseline, which is not trained.
    var finalStep: Int { config.model.isZeroShot ? 0 : config.train.steps }

    /// Done when metrics.json exists and records this cell's config digest and final step:
    /// a cell whose settings changed since is run again.
    var state: SweepCellState {
        if let m = try? MetricsFile.read(metricsURL), m.configDigest == config.digest, m.step == finalStep {
            return .done(m)
        }
        if let text = try? String(contentsOf: failureURL, encoding: .utf8) {
            return .failed(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return .pending
    }

    /// The cell as the summary sees it.
    var outcome: SweepCellOutcome {
        let state = self.state
        var metrics: [String: SiteMetrics]?, failure: String?
        switch state {
        case .done(let m): metrics = m.metrics
        case .failed(let why): failure = why
        case .pending: break
        }
        return SweepCellOutcome(name: name, trainSites: trainSites, shots: shots, seed: seed, variant: variant,
                                metrics: metrics, failure: failure)
    }
}
