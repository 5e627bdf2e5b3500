import ArgumentParser

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Many runs of one protocol: train sites x shots x seeds x variants, with statistics.",
        discussion: """
        A sweep is a cluster.yaml with a sweep: section listing axes (train_sites, test_sites, shots, seeds, variants; docs/SWEEPS.md). Every combination is a cell, a training run of its own in SWEEP/cells/NAME/ (SWEEP is the file's run.folder). The cells share one feature cache: each image view is encoded once however many cells use it, and no cell copies features into its own pool.

        The steps: `plan` lists the cells and what is left to do; `prepare` extracts every feature any cell needs; `run` runs the cells not yet done (resumable; one cell with --cell), or `sbatch` writes a SLURM job array that does; `report` writes the summary with means, standard deviations and 95% intervals over seeds.

        Example: ultraad sweep plan --config sweep.yaml && ultraad sweep prepare --config sweep.yaml --local-workers 2 && ultraad sweep run --config sweep.yaml --local-workers 2 && ultraad sweep report --config sweep.yaml
        """,
        subcommands: [SweepPlanCommand.self, SweepPrepare.self, SweepRun.self, SweepSbatch.self, SweepReport.self])
}
