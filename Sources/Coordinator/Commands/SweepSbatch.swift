import ArgumentParser
import Foundation
import Shared

struct SweepSbatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbatch",
        abstract: "Write (and with --submit, submit) a SLURM job array for a sweep's pending cells.",
        discussion: """
        Writes SWEEP/slurm/sweep.sbatch, a job array with one task per cell not yet done (its task id is the cell's index in `sweep plan`), and SWEEP/slurm/report.sbatch, which writes the summary. Each task runs `ultraad sweep run --cell ID` on one node with --local-workers workers; tasks are requeued on preemption and continue their cell from its newest checkpoint. Run `ultraad sweep prepare` first, so that tasks only read features.

        With --submit, submits the array (with the sbatch options after `--`, e.g. `-- --partition=cpu --time=30`) and the report job with --dependency=afterany on it, and prints both job ids.

        Example: ultraad sweep sbatch --config sweep.yaml --throttle 8 --submit -- --partition=cpu
        """)
    @OptionGroup var file: SweepFile
    @Option(help: "Workers each task starts on its node.") var localWorkers = 1
    @Option(help: "At most this many array tasks at once.") var throttle: Int?
    @Option(help: "Folder of ultraad and ultraad-worker on the nodes (default: this ultraad's folder).") var bin: String?
    @Flag(help: "Submit the array and the report job with sbatch.") var submit = false
    @Argument(parsing: .postTerminator, help: "Options for sbatch (after --), used with --submit.") var sbatchOptions: [String] = []

    func validate() throws {
        _ = try file.load()
        guard localWorkers >= 1 else { throw ValidationError("--local-workers must be at least 1") }
        if let throttle, throttle < 1 { throw ValidationError("--throttle must be at least 1") }
        if !sbatchOptions.isEmpty && !submit { throw ValidationError("sbatch options after -- are used with --submit only") }
    }

    func run() throws {
        let plan = try file.load()
        let pending = plan.cells.filter { !$0.state.isDone }.map(\.index)
        guard !pending.isEmpty else {
            print("sweep: every cell is done; nothing to submit (summary: ultraad sweep report --config \(file.config))")
            return
        }
        let config = URL(fileURLWithPath: file.config).standardizedFileURL.path
        let binFolder = bin.map { URL(fileURLWithPath: $0) } ?? Bundle.main.executableURL!.deletingLastPathComponent()
        let scripts = SweepJobScripts(plan: plan, config: config, bin: binFolder.standardizedFileURL, cells: pending,
                                      throttle: throttle, localWorkers: localWorkers)
        try scripts.write()
        print("wrote \(scripts.arrayScript.path) (\(pending.count) task(s)) and \(scripts.reportScript.path)")
        guard submit else {
            print("submit with: sbatch \(scripts.arrayScript.path) && sbatch --dependency=afterany:<array job id> \(scripts.reportScript.path)")
            return
        }
        let array = try Self.sbatch(sbatchOptions + [scripts.arrayScript.path])
        let report = try Self.sbatch(["--dependency=afterany:\(array)", scripts.reportScript.path])
        print("submitted job array \(array) and report job \(report)")
    }

    /// Runs `sbatch --parsable ARGS` and returns the job id.
    static func sbatch(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sbatch", "--parsable"] + args
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch { throw CoordinatorError.run("cannot run sbatch: \(error)") }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard p.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw CoordinatorError.run("sbatch \(args.joined(separator: " ")) failed (status \(p.terminationStatus)): \(text)")
        }
        return id
    }
}
