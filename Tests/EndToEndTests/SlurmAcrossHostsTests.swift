import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// scripts/slurm/train.sbatch as a job across three hosts. An emulated cluster
/// (scripts/cluster/emulate) gives each host its own hostname, network and /dev/shm;
/// scripts/slurm/local-cluster --emulated runs slurmctld inside node0 and one slurmd inside
/// each host. A job with --nodes=3 puts the coordinator on node0, listening on the network
/// with CURVE, and one worker on each host, which reaches node0 by name over the links. Its
/// final checkpoint must equal that of `ultraad train --local-workers 2`, byte for byte.
///
/// Needs root (slurmd launches the jobs; the hosts need namespaces). Skipped, with the
/// reason, when not root, when ULTRAAD_SLURM_TEST=0, when the emulation's tools are missing
/// or when SLURM cannot be started on the hosts; a failure instead when CI=true.
final class SlurmAcrossHostsTests: XCTestCase {
    static let steps = 12
    private var dir: URL!
    private var emulated: EmulatedCluster?
    private var slurm: LocalSlurm?

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["ULTRAAD_SLURM_TEST"] == "0" {
            throw missingPrerequisite("SLURM across hosts skipped: ULTRAAD_SLURM_TEST=0")
        }
        guard getuid() == 0 else {
            throw missingPrerequisite("SLURM across hosts skipped: it needs root to run slurmd (SlurmUser=root) and the emulated hosts; run scripts/test as root")
        }
        if let reason = EmulatedHosts.unavailableReason() { throw missingPrerequisite("SLURM across hosts skipped: \(reason)") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-hosts-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let emulated = try EmulatedCluster(hosts: 3, dir: dir.appendingPathComponent("emulated"))
        self.emulated = emulated
        do {
            slurm = try LocalSlurm(dir: dir.appendingPathComponent("slurm"), emulated: emulated)
        } catch let error as LocalSlurmError {
            throw missingPrerequisite("SLURM across hosts skipped: local-cluster start --emulated failed: \(error)")
        }
    }

    override func tearDownWithError() throws {
        // SLURM first: it cancels the jobs through node0, which must still be there.
        slurm?.stop()
        emulated?.stop()
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    /// One worker task per host: the coordinator on node0 binds `*` with CURVE (three
    /// authorized workers), every worker connects to node0 by name, the bank goes once to
    /// each host's worker, and the final checkpoint is the --local-workers run's.
    func testAThreeNodeJobTrainsWithAWorkerOnEveryHostAndMatchesLocalWorkers() throws {
        let slurm = try XCTUnwrap(slurm)
        let ultraad = productsDirectory!.appendingPathComponent("ultraad")
        let keys = dir.appendingPathComponent("keys")
        let (status, output) = try runProcess(ultraad, ["keys", "generate", "--out", keys.path, "--workers", "3"])
        XCTAssertEqual(status, 0, output)
        let authorized = (1...3).map { keys.appendingPathComponent("worker-\($0).key").path }.joined(separator: ", ")
        let curve = "{secret_key: \(keys.path)/coordinator.key_secret, public_key: \(keys.path)/coordinator.key, authorized_workers: [\(authorized)]}"
        let (config, pool) = try writeSlurmTrainingInputs(in: dir, steps: Self.steps, curve: curve)
        let reference = try localWorkersCheckpoint(config: config, pool: pool, run: dir.appendingPathComponent("reference"),
                                                   steps: Self.steps)

        let run = dir.appendingPathComponent("across")
        var settings = trainSbatchSettings(config: config, pool: pool, run: run)
        // sbatch exports one environment to every task, so the three workers share one key
        // pair; the coordinator's list admits it (and two more).
        settings["ULTRAAD_SERVER_KEY"] = keys.appendingPathComponent("coordinator.key").path
        settings["ULTRAAD_KEY"] = keys.appendingPathComponent("worker-1.key_secret").path
        let job = slurm.waitForEnd(try slurm.submit(
            "across", in: dir, options: ["--nodes=3", "--ntasks-per-node=1", "--cpus-per-task=1", "--time=5"],
            script: LocalSlurm.trainScript, arguments: ["--workers", "3"], environment: slurm.environment(settings)))

        XCTAssertEqual(job.state, "COMPLETED", job.output)
        XCTAssertEqual(job.exitCode, "0:0", job.output)
        XCTAssertTrue(job.output.contains("job \(job.id): 3 node(s), 3 worker(s) x 1 thread(s); coordinator on node0"), job.output)
        XCTAssertTrue(job.output.contains("listening (CURVE, 3 authorized workers) on tcp://0.0.0.0:"), job.output)
        XCTAssertTrue(job.output.contains("workers connect to tcp://node0:"), job.output)
        // Each host has its own /dev/shm: only node0's worker, beside the coordinator,
        // takes parameters and gradients through shared memory; the others' cross the links.
        let joins = job.output.split(separator: "\n").filter { $0.contains("[Coordinator] worker node") && $0.contains(" joined (") }
        for n in 0...2 {
            let join = try XCTUnwrap(joins.first { $0.contains(" joined (node\(n), ") }, "no worker of node\(n) joined:\n\(job.output)")
            XCTAssertEqual(join.contains("through shared memory"), n == 0, String(join))
        }
        XCTAssertEqual(try Data(contentsOf: finalCheckpoint(run, steps: Self.steps)), reference,
                       "the 3-node job's final checkpoint differs:\n\(job.output)")

        let last = try XCTUnwrap(try metricsLines(run).last)
        XCTAssertEqual(last["workers"] as? Int, 3, "\(last)")
        XCTAssertEqual(last["bank_sends"] as? Int, 3, "\(last)")
        // Worker ids are HOST-PID-RANDOM: the bank went once to a worker on each host.
        let perWorker = try XCTUnwrap(last["bank_sends_per_worker"] as? [String: Int], "\(last)")
        XCTAssertEqual(Set(perWorker.values), [1], "\(perWorker)")
        XCTAssertEqual(perWorker.keys.compactMap { $0.split(separator: "-").first.map(String.init) }.sorted(),
                       ["node0", "node1", "node2"], "\(perWorker)")
    }
}
