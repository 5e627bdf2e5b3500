import Foundation
import XCTest

/// A throwaway SLURM started by scripts/slurm/local-cluster, and its client commands: one
/// node on this host, or (with `emulated`) one node per host of an emulated cluster. The
/// emulated hosts' network is not reachable from here, so then every client command runs
/// inside node0 (`emulate exec DIR node0 ...`), where slurmctld is.
/// The cluster's watchdog (--owner: this process) stops it if the tests die without `stop()`.
final class LocalSlurm {
    static var script: URL { Fixtures.repositoryRoot.appendingPathComponent("scripts/slurm/local-cluster") }
    static var trainScript: URL { Fixtures.repositoryRoot.appendingPathComponent("scripts/slurm/train.sbatch") }
    private static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// local-cluster's folder (slurm.conf, logs, state).
    let dir: URL
    let emulated: EmulatedCluster?
    private var started = false

    var conf: URL { dir.appendingPathComponent("slurm.conf") }

    /// Starts the cluster in `dir`. Throws `LocalSlurmError` with local-cluster's message and
    /// slurmctld's last log lines when it cannot start.
    init(dir: URL, emulated: EmulatedCluster? = nil) throws {
        self.dir = dir
        self.emulated = emulated
        var args = ["start", dir.path, "--owner", "\(getpid())"]
        if let emulated { args += ["--emulated", emulated.dir.path] }
        var (status, output) = try runProcess(Self.script, args)
        if status != 0 {
            // A first start right after the packages were installed can be slow under
            // load; one more try before giving up.
            _ = try? runProcess(Self.script, ["stop", dir.path])
            (status, output) = try runProcess(Self.script, args)
        }
        guard status == 0 else {
            let log = (try? String(contentsOf: dir.appendingPathComponent("log/slurmctld.log"), encoding: .utf8))?
                .split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
            throw LocalSlurmError("\(output.trimmingCharacters(in: .whitespacesAndNewlines))\n\(log)")
        }
        started = true
    }

    deinit { stop() }

    /// Cancels the jobs and stops the daemons (local-cluster stop).
    func stop() {
        guard started else { return }
        started = false
        _ = try? runProcess(Self.script, ["stop", dir.path])
    }

    /// The environment for SLURM commands: this cluster's slurm.conf, and no ULTRAAD_ or
    /// SLURM_ variables of our own (the test might itself run inside a SLURM job).
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ULTRAAD_") && !$0.key.hasPrefix("SLURM_") }
        e["SLURM_CONF"] = conf.path
        e.merge(extra) { $1 }
        return e
    }

    /// Runs a SLURM client command (sbatch, scontrol, ...) where it reaches slurmctld.
    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
        let environment = environment ?? self.environment()
        if let emulated {
            return try runProcess(emulated.hosts.script, ["exec", emulated.dir.path, "node0"] + arguments, environment: environment)
        }
        return try runProcess(Self.env, arguments, environment: environment)
    }

    /// Submits `script` with sbatch: `options` for sbatch, then the script and its
    /// `arguments`. The job runs in `folder` and writes its output to `folder/NAME-ID.out`;
    /// `environment` is the job's (sbatch exports it).
    func submit(_ name: String, in folder: URL, options: [String], script: URL, arguments: [String] = [],
                environment: [String: String]) throws -> SlurmJob {
        let outFile = folder.appendingPathComponent("\(name)-%j.out")
        let (status, submitted) = try run(["sbatch", "--parsable", "--job-name=\(name)"] + options + [
            "--chdir=\(folder.path)", "--output=\(outFile.path)", script.path,
        ] + arguments, environment: environment)
        let id = submitted.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw LocalSlurmError("sbatch failed (status \(status)): \(submitted)")
        }
        return SlurmJob(id: id, environment: environment, output: {
            (try? String(contentsOf: folder.appendingPathComponent("\(name)-\(id).out"), encoding: .utf8)) ?? ""
        })
    }

    /// Polls `scontrol` until the job has ended (cancels it after `timeout` seconds).
    func waitForEnd(_ job: SlurmJob, timeout: Double = 60, file: StaticString = #filePath, line: UInt = #line) -> SlurmJobResult {
        var state = "", exitCode = ""
        let ended = eventually(timeout) {
            guard let (s, line) = try? run(["scontrol", "--oneliner", "show", "job", job.id], environment: job.environment),
                  s == 0 else { return false }
            state = Self.field("JobState", in: line) ?? ""
            exitCode = Self.field("ExitCode", in: line) ?? ""
            return !["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", ""].contains(state)
        }
        if !ended {
            _ = try? run(["scancel", job.id], environment: job.environment)
            XCTFail("job \(job.id) did not end within \(timeout) s (state \(state)):\n\(job.output())", file: file, line: line)
        }
        return SlurmJobResult(id: job.id, state: state, exitCode: exitCode, output: job.output())
    }

    /// The value of `KEY=value` in scontrol's one-line output.
    static func field(_ key: String, in line: String) -> String? {
        line.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(key + "=") }
            .map { String($0.dropFirst(key.count + 1)) }
    }
}

/// A submitted job: its id, the environment SLURM commands need, and its output so far.
struct SlurmJob {
    var id: String
    var environment: [String: String]
    var output: () -> String
}

/// An ended job as scontrol saw it last, and its output.
struct SlurmJobResult {
    var id: String
    var state: String
    var exitCode: String
    var output: String
}

struct LocalSlurmError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The training run the SLURM tests submit with train.sbatch, written to `dir` once: the
/// planted pool (pool.safetensors) and a cluster.yaml of `steps` steps. `curve` (the
/// `{secret_key: ..., ...}` map) gives the coordinator CURVE keys.
func writeSlurmTrainingInputs(in dir: URL, steps: Int, curve: String? = nil) throws -> (config: URL, pool: URL) {
    let config = dir.appendingPathComponent("cluster.yaml")
    let pool = dir.appendingPathComponent("pool.safetensors")
    if !FileManager.default.fileExists(atPath: pool.path) {
        _ = try writeTestPool(in: dir)
        try """
            version: 1
            run: {folder: runs/unused, seed: 7}
            sites: [{name: A, path: data/site-A}]
            train_sites: [A]
            model: {adapter_rank: 4}
            train: {steps: \(steps), chunk_size: 2, queries_per_class: 2, learning_rate: 0.005, checkpoint_every: 4}
            coordinator: {bind: "tcp://127.0.0.1:*", heartbeat: 200ms, worker_timeout: 2s\(curve.map { ", curve: \($0)" } ?? "")}
            worker: {idle_exit: 30s}
            """.write(to: config, atomically: true, encoding: .utf8)
    }
    return (config, pool)
}

/// The settings train.sbatch reads (ULTRAAD_CONFIG, _POOL, _RUN, _BIN): this run, and the
/// binaries of this build.
func trainSbatchSettings(config: URL, pool: URL, run: URL) -> [String: String] {
    ["ULTRAAD_CONFIG": config.path, "ULTRAAD_POOL": pool.path, "ULTRAAD_RUN": run.path,
     "ULTRAAD_BIN": productsDirectory!.path]
}

/// The final checkpoint's path: checkpoints/step-NNNNNNNN.safetensors.
func finalCheckpoint(_ run: URL, steps: Int) -> URL {
    run.appendingPathComponent(String(format: "checkpoints/step-%08d.safetensors", steps))
}

/// The bytes of the final checkpoint of the same run made with `ultraad train
/// --local-workers 2` in `run`: what every SLURM job of it must end with.
func localWorkersCheckpoint(config: URL, pool: URL, run: URL, steps: Int) throws -> Data {
    let ultraad = productsDirectory!.appendingPathComponent("ultraad")
    let (status, output) = try runProcess(ultraad, ["train", "--config", config.path, "--pool", pool.path,
                                                    "--run", run.path, "--local-workers", "2"])
    XCTAssertEqual(status, 0, output)
    return try Data(contentsOf: finalCheckpoint(run, steps: steps))
}

/// The lines of RUN/metrics.jsonl, one object each.
func metricsLines(_ run: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    return try text.split(separator: "\n").map {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
}
