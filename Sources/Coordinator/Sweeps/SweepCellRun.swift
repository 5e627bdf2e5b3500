import Foundation
import Shared

/// One sweep cell from start to metrics: prepare (its pool names the shared feature cache's
/// entries, copying no feature), train unless it is the zero-shot baseline, evaluate. A cell
/// interrupted during training resumes from its newest checkpoint, if that was written under
/// the same settings; otherwise it starts again.
struct SweepCellRun {
    var cell: SweepCell
    /// The cell's configuration with the command's worker options applied.
    var config: ClusterConfig
    var threads: Int
    var extraction: FeatureExtraction
    var localWorkers: Int
    var memo: RunInputsMemo

    func execute() throws -> [String: SiteMetrics] {
        let fm = FileManager.default
        try? fm.removeItem(at: cell.failureURL)
        let folder = try RunFolder(cell.folder)
        let digest = config.digest
        let resumable = (try? String(contentsOf: cell.digestURL, encoding: .utf8)) == digest && folder.latestCheckpoint() != nil
        if !resumable {
            // Checkpoints of other settings would be resumed from, or evaluated, by mistake.
            for url in folder.checkpointsNewestFirst() { try fm.removeItem(at: url) }
            if let failure = AtomicFile.write(Array(digest.utf8), to: cell.digestURL, durable: false) {
                throw CoordinatorError.run("cannot write \(cell.digestURL.path): \(failure)")
            }
        }
        _ = try PrepareRun.execute(config, threads: threads, extraction: extraction, referencingCache: true, memo: memo)
        if !config.model.isZeroShot {
            try TrainRun(config: config, poolFile: nil, localWorkers: localWorkers, resume: resumable, quiet: true)
                .execute(stopsOnSignal: true)
        }
        return try EvaluateRun.execute(config, checkpoint: nil, extraction: extraction, memo: memo)
    }
}
