import ArgumentParser
import Foundation
import Shared

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the adapters and prompts across workers.",
        discussion: """
        Reads the prepared support pool (features and text embeddings, written by `ultraad prepare`), waits for the workers, and runs the optimizer steps: each step's episode is split into chunks, workers compute aligned blocks of chunks, and the coordinator reduces them in a fixed tree, so the result does not depend on how many workers there are or which of them fail. Writes RUN/metrics.jsonl (a line per step), RUN/checkpoints/ and RUN/effective-config.yaml (the settings after the flags below, which override cluster.yaml).

        Without --local-workers or --workers it waits for coordinator.min_workers workers and says, every 30 s, the command that starts one. Ctrl-C or SIGTERM checkpoints the last finished step; the same command with --resume continues bit for bit.

        Examples:
          ultraad train --config cluster.yaml --local-workers 2
          ultraad train --config cluster.yaml --workers 4 --steps 500
          ultraad train --pool runs/demo/pool.safetensors --run runs/demo --local-workers 2
        """)

    @Option(help: "cluster.yaml: the run, training, model and coordinator settings; the flags below override it. Without it, the schema's defaults apply and --pool and --run are required.")
    var config: String?
    @Option(help: "Prepared pool file (default: RUN/pool.safetensors, as `ultraad prepare` writes it).") var pool: String?
    @Option(name: .customLong("run"), help: "Run folder (run.folder).") var runFolder: String?
    @OptionGroup var training: TrainingOptions
    @OptionGroup var workers: WorkerOptions
    @OptionGroup var listen: ListenOptions
    @Flag(help: "Continue from the run folder's latest checkpoint (written with the same settings, see docs/CONFIGURATION.md).") var resume = false
    @OptionGroup(title: "Benchmark and test options") var session: SessionOptions

    func validate() throws {
        guard config != nil || (pool != nil && runFolder != nil) else {
            throw ValidationError("give --config cluster.yaml, or both --pool and --run")
        }
        if let p = pool, !FileManager.default.fileExists(atPath: p) {
            throw ValidationError("--pool \(p) does not exist; make one with `ultraad prepare`")
        }
        _ = try effectiveConfig()
    }

    /// cluster.yaml (or the schema's defaults), the flags on top, validated as a whole.
    func effectiveConfig() throws -> ClusterConfig {
        let base = try config.map { path throws(ConfigError) in try ClusterConfig.load(path: path) }
            ?? .defaults(sites: [], trainSites: [], baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return try base.overridden(by: { c in
            if let runFolder { c.run.folder = URL(fileURLWithPath: runFolder).standardizedFileURL }
            training.apply(to: &c)
            workers.apply(to: &c)
            try listen.apply(to: &c)
        }, source: config ?? "the schema's defaults", requiringSites: config != nil)
    }

    func run() throws {
        bootstrapLogging()
        let c = try effectiveConfig()
        try TrainRun(config: c, poolFile: pool.map { URL(fileURLWithPath: $0) }, localWorkers: workers.localWorkers,
                     resume: resume, session: session.tuning).executeAsCommand()
    }
}

/// The flags of `SessionTuning`.
struct SessionOptions: ParsableArguments {
    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Step k uses at most LIMITS[k % count] of the ready workers, e.g. `1 2` alternates one and two (`ultraad bench comm --interleaved` times neighbouring steps this way).", valueName: "limits"))
    var stepWorkerLimits: [Int] = []
    @Option(help: "Floats per PARAMS and GRAD piece over sockets; the tests use tiny pieces to get many.")
    var pieceFloats: Int = Pieces.defaultFloats

    func validate() throws {
        guard stepWorkerLimits.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--step-worker-limits must be at least 1 each") }
        guard (1...Int(UInt32.max)).contains(pieceFloats) else { throw ValidationError("--piece-floats must be from 1 to \(UInt32.max)") }
    }

    var tuning: SessionTuning { SessionTuning(stepWorkerLimits: stepWorkerLimits, pieceFloats: pieceFloats) }
}

/// How a training session spreads its work, for benchmarks and tests: it changes the
/// timing, never the result.
struct SessionTuning: Sendable {
    /// The most workers step k may use is `stepWorkerLimits[k % count]` (empty: all).
    var stepWorkerLimits: [Int] = []
    /// Floats per PARAMS and GRAD piece (sent to workers in WELCOME).
    var pieceFloats = Pieces.defaultFloats
}
