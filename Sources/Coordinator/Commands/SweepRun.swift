import ArgumentParser
import Foundation
import Shared

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the cells of a sweep that are not done yet (or one, with --cell).",
        discussion: """
        Each cell is prepared (its pool refers to the shared feature cache), trained (unless it is the zero-shot baseline, every trainable component ablated) and evaluated in SWEEP/cells/NAME/. A cell is done when its metrics.json records its settings and final step; done cells are skipped, so the command resumes after any interruption, and a cell interrupted during training continues from its newest checkpoint. A cell that fails is recorded in its failed.txt, the others still run, and the exit status is 1 at the end. Ctrl-C or SIGTERM (a SLURM preemption) checkpoints the current cell and stops.

        --cell NAME runs one cell, named as `sweep plan` prints or by its index there: what a job-array task calls.
        """)
    @OptionGroup var file: SweepFile
    @Option(help: "Run only this cell: its name or its index in `sweep plan`.") var cell: String?
    @OptionGroup var extraction: ExtractionOptions
    @OptionGroup var workers: WorkerOptions

    func validate() throws {
        let plan = try file.load()
        if let cell, plan.cell(cell) == nil {
            throw ValidationError("--cell: \(cell) is neither a cell name nor an index 0..<\(plan.cells.count) of \(file.config) (see `ultraad sweep plan`)")
        }
    }

    func run() throws {
        bootstrapLogging()
        let plan = try file.load()
        let cells = cell.map { [plan.cell($0)!] } ?? plan.cells
        let runner = SweepRunner(plan: plan, workers: workers, threads: extraction.clipThreads,
                                 extraction: extraction.extraction(workers))
        let failed = try runner.runAsCommand(cells, command: "sweep")
        guard failed.isEmpty else {
            FileHandle.standardError.write(Data("sweep: \(failed.count) cell(s) failed: \(failed.joined(separator: ", "))\n".utf8))
            throw ExitCode(1)
        }
        if cell == nil { print("sweep: every cell done; summary: ultraad sweep report --config \(file.config)") }
    }
}
