import ArgumentParser
import Foundation
import Shared

/// Runs the cells of a sweep that are not done, one after another in this process, with a
/// progress line per cell (which, how many done, an ETA from the cells finished so far). A
/// failing cell is recorded in its folder (failed.txt) and the others still run; a signal
/// (Ctrl-C, SLURM's preemption) stops the whole run after checkpointing the current cell.
struct SweepRunner {
    let plan: SweepPlan
    let workers: WorkerOptions
    let threads: Int
    let extraction: FeatureExtraction
    let memo = RunInputsMemo()

    /// Returns the names of the cells that failed.
    func run(_ cells: [SweepCell]) throws -> [String] {
        let todo = cells.filter { !$0.state.isDone }
        let alreadyDone = cells.count - todo.count
        log("sweep: \(cells.count) cell(s), \(alreadyDone) already done, \(todo.count) to run")
        var failed = [String]()
        var seconds = [Double]()
        for (k, cell) in todo.enumerated() {
            let eta = seconds.isEmpty ? "" : ", about \(Self.duration(seconds.reduce(0, +) / Double(seconds.count) * Double(todo.count - k))) left"
            log("sweep: cell \(k + 1)/\(todo.count) \(cell.name) (\(alreadyDone + k - failed.count) done, \(failed.count) failed\(eta)) -> \(cell.folder.path)")
            let start = Date()
            do {
                var c = cell.config
                workers.apply(to: &c)
                let metrics = try SweepCellRun(cell: cell, config: c, threads: threads, extraction: extraction,
                                               localWorkers: workers.localWorkers, memo: memo).execute()
                let summary = plan.settings.testSites.compactMap { site in
                    metrics[site].map { "\(site) image AUROC \($0.imageAUROC.isFinite ? String(format: "%.3f", $0.imageAUROC) : "n/a")" }
                }
                log("sweep: \(cell.name) done in \(Self.duration(Date().timeIntervalSince(start))): \(summary.joined(separator: ", "))")
            } catch let stopped as TrainingStopped {
                throw stopped
            } catch {
                failed.append(cell.name)
                let text = "\(error)"
                _ = AtomicFile.write(Array((text + "\n").utf8), to: cell.failureURL, durable: false)
                log("sweep: \(cell.name) FAILED: \(text) (recorded in \(cell.failureURL.path))")
            }
            seconds.append(Date().timeIntervalSince(start))
        }
        log("sweep: \(cells.filter { $0.state.isDone }.count) of \(cells.count) cell(s) done, \(failed.count) failed in this run")
        return failed
    }

    /// `run` for a command: a stop by a signal is said (with `command`'s name) and ends the
    /// process with status 128 + signal, as the shell reports a process a signal ended.
    func runAsCommand(_ cells: [SweepCell], command: String) throws -> [String] {
        do {
            return try run(cells)
        } catch let stopped as TrainingStopped {
            log("\(command): \(stopped); run the same command again to continue")
            throw ExitCode(128 + stopped.signal)
        }
    }

    func log(_ line: String) { FileHandle.standardError.write(Data("\(line)\n".utf8)) }

    static func duration(_ s: Double) -> String {
        s < 90 ? "\(Int(s.rounded()))s" : s < 5400 ? "\(Int((s / 60).rounded()))m" : String(format: "%.1fh", s / 3600)
    }
}
