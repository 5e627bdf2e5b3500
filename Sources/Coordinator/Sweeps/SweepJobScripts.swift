import Foundation
import Shared

/// The SLURM scripts of a sweep (`ultraad sweep sbatch`): a job array with one task per
/// pending cell, each task a coordinator with local workers on one node running
/// `ultraad sweep run --cell INDEX`, and a report job to run after it. Paths are absolute,
/// so the scripts work from any folder; options on sbatch's command line override the
/// #SBATCH lines.
struct SweepJobScripts {
    let plan: SweepPlan
    /// Absolute path of the sweep's cluster.yaml.
    let config: String
    /// Folder of `ultraad` and `ultraad-worker` (the same path on every node).
    let bin: URL
    /// Cell indices, one array task each.
    let cells: [Int]
    /// At most this many tasks at once (`--array=...%N`), nil for no limit.
    let throttle: Int?
    let localWorkers: Int

    var folder: URL { plan.folder.appendingPathComponent("slurm") }
    var arrayScript: URL { folder.appendingPathComponent("sweep.sbatch") }
    var reportScript: URL { folder.appendingPathComponent("report.sbatch") }

    /// Ranges where indices are consecutive: 0-3,7,9-10.
    static func arraySpec(_ indices: [Int]) -> String {
        var parts = [String](), i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count, indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(j > i ? "\(indices[i])-\(indices[j])" : "\(indices[i])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    var arrayText: String {
        let out = folder.appendingPathComponent("cell-%A_%a.out").path
        return """
        #!/usr/bin/env bash
        # Written by `ultraad sweep sbatch` for \(config): one array task per cell that was
        # pending then (\(cells.count) of \(plan.cells.count)); each runs one cell with \(localWorkers) local
        # worker(s) on one node. A task that is requeued (preemption, a node failure) continues
        # its cell from the newest checkpoint; a task whose cell is already done returns at once.
        #SBATCH --job-name=ultraad-sweep
        #SBATCH --array=\(Self.arraySpec(cells))\(throttle.map { "%\($0)" } ?? "")
        #SBATCH --nodes=1
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=\(max(1, localWorkers * plan.common.worker.threads))
        #SBATCH --requeue
        #SBATCH --open-mode=append
        #SBATCH --output=\(out)
        set -euo pipefail
        [ -n "${SLURM_ARRAY_TASK_ID:-}" ] || { echo "sweep.sbatch: submit me with sbatch (SLURM_ARRAY_TASK_ID is not set)" >&2; exit 1; }
        exec \(Self.quoted(bin.appendingPathComponent("ultraad").path)) sweep run --config \(Self.quoted(config)) \\
            --cell "$SLURM_ARRAY_TASK_ID" --local-workers \(localWorkers) --threads "${SLURM_CPUS_PER_TASK:-1}"

        """
    }

    var reportText: String {
        """
        #!/usr/bin/env bash
        # Written by `ultraad sweep sbatch`: the sweep's summary, after its job array has ended
        # (submitted with --dependency=afterany:ARRAY-JOB, so failed cells are listed too).
        #SBATCH --job-name=ultraad-sweep-report
        #SBATCH --nodes=1
        #SBATCH --ntasks=1
        #SBATCH --output=\(folder.appendingPathComponent("report-%j.out").path)
        set -euo pipefail
        exec \(Self.quoted(bin.appendingPathComponent("ultraad").path)) sweep report --config \(Self.quoted(config))

        """
    }

    func write() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (text, url) in [(arrayText, arrayScript), (reportText, reportScript)] {
            if let failure = AtomicFile.write(Array(text.utf8), to: url, durable: false) {
                throw CoordinatorError.run("cannot write \(url.path): \(failure)")
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
    }
}
