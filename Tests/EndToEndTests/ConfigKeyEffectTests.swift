import Foundation
import XCTest
import Yams
@testable import Shared
@testable import TestSupport

/// No key is accepted and then ignored: docs/CONFIGURATION.md's table lists every key of
/// the schema, and each key, changed alone from a baseline, changes what the table says it
/// changes, seen from outside the processes (their files, logs and messages).
final class ConfigKeyEffectTests: ProcessTestCase {
    /// The keys whose effects `testTrainingKeys` checks.
    static let trainingKeys = [
        "version", "run.name", "run.folder", "run.seed", "model.adapter_rank", "model.temperature", "model.leaky_slope",
        "model.ablate", "train.steps", "train.queries_per_class", "train.chunk_size", "train.learning_rate", "train.betas", "train.eps",
        "train.weight_decay", "train.checkpoint_every", "train.log_every", "worker.threads", "worker.feature_memory",
    ]
    /// The keys whose effects `testProcessKeys` checks.
    static let processKeys = [
        "coordinator.bind", "coordinator.ipc", "coordinator.min_workers", "coordinator.worker_timeout",
        "coordinator.heartbeat", "coordinator.allow_insecure", "coordinator.curve.secret_key",
        "coordinator.curve.public_key", "coordinator.curve.authorized_workers", "coordinator.relay", "worker.idle_exit",
        "worker.reconnect_max",
    ]
    /// The keys whose effects `testDataModelAndEvaluationKeys` checks.
    static let dataKeys = [
        "backbone.weights", "backbone.vocab", "backbone.merges", "backbone.image_size", "backbone.layers", "backbone.preprocess",
        "sites[].name", "sites[].path", "sites[].format", "sites[].table", "train_sites", "test_sites", "data.skip_bad",
        "data.mask_threshold", "data.merge_duplicates", "fewshot.shots", "fewshot.shots_file", "fewshot.views", "fewshot.cache",
        "fewshot.feature_dtype", "model.classes",
        "model.prompt_templates", "model.normal_states", "model.abnormal_states", "model.class_descriptions",
        "eval.few_shot_memory", "eval.smoothing_sigma", "eval.overlays",
    ]

    // MARK: - The table

    /// Key paths of a YAML tree: `a.b`, `list[].key` for lists of mappings.
    static func keyPaths(_ node: Node, prefix: String = "") -> [String] {
        switch node {
        case .mapping(let m):
            return m.flatMap { k, v -> [String] in
                let path = prefix.isEmpty ? k.string ?? "" : "\(prefix).\(k.string ?? "")"
                let inner = keyPaths(v, prefix: path)
                return inner.isEmpty ? [path] : inner
            }
        case .sequence(let s):
            guard let first = s.first, case .mapping = first else { return [] }
            return keyPaths(first, prefix: prefix + "[]")
        default:
            return []
        }
    }

    func testTheTableCoversTheWholeSchemaAndEachKeyIsChecked() throws {
        var config = ClusterConfig.defaults(sites: [.init(name: "A", path: URL(filePath: "/a"))], baseDirectory: URL(filePath: "/"))
        // Optional sections spelled out, so that their keys appear too; no class descriptions,
        // so that model.class_descriptions is one key rather than one per class.
        config.coordinator.curve = .init(secretKey: URL(filePath: "/s"), publicKey: URL(filePath: "/p"), authorizedWorkers: [])
        config.model.classDescriptions = [:]
        let schema = Set(Self.keyPaths(config.yamlNode))   // an empty mapping counts as its key
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/CONFIGURATION.md"), encoding: .utf8)
        let section = try XCTUnwrap(text.components(separatedBy: "## Every key and its effect").last)
        let table = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        XCTAssertEqual(table.count, Set(table).count, "each key once")
        XCTAssertEqual(Set(table), schema, "docs/CONFIGURATION.md's table against the schema")
        let checked = Self.trainingKeys + Self.processKeys + Self.dataKeys
        XCTAssertEqual(checked.count, Set(checked).count)
        XCTAssertEqual(Set(checked), schema, "every key has its effect checked below")
    }

    // MARK: - Training from a pool

    /// A cluster.yaml as sections of `key: value` pairs; `set` changes one key.
    struct YAML {
        var top: [(String, String)]
        var sections: [(String, [(String, String)])]

        mutating func set(_ path: String, _ value: String) {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                if let i = top.firstIndex(where: { $0.0 == path }) { top[i].1 = value } else { top.append((path, value)) }
                return
            }
            if let i = sections.firstIndex(where: { $0.0 == parts[0] }) {
                if let j = sections[i].1.firstIndex(where: { $0.0 == parts[1] }) { sections[i].1[j].1 = value }
                else { sections[i].1.append((parts[1], value)) }
            } else {
                sections.append((parts[0], [(parts[1], value)]))
            }
        }

        func setting(_ path: String, _ value: String) -> YAML { var c = self; c.set(path, value); return c }

        var text: String {
            (top.map { "\($0.0): \($0.1)" } + sections.map { name, pairs in
                "\(name): {" + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
            }).joined(separator: "\n") + "\n"
        }
    }

    var trainingBaseline: YAML {
        YAML(top: [("version", "1"), ("sites", "[{name: A, path: data/A}]"), ("train_sites", "[A]")],
             sections: [("run", [("seed", "7")]),
                        ("train", [("steps", "3"), ("chunk_size", "2"), ("learning_rate", "0.005"), ("checkpoint_every", "0")]),
                        ("model", [("adapter_rank", "4")]),
                        ("coordinator", [("worker_timeout", "2s"), ("heartbeat", "200ms")])])
    }

    /// `ultraad train` of `config` (written as NAME.yaml) on the planted pool, with one
    /// local worker unless `extra` says otherwise; its run folder is NAME unless the config
    /// names one.
    @discardableResult
    func train(_ name: String, _ config: YAML, extra: [String]? = nil) throws -> (run: URL, status: Int32, output: String) {
        let url = dir.appendingPathComponent("\(name).yaml")
        try config.text.write(to: url, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent(name)
        let names = config.sections.first { $0.0 == "run" }?.1.contains { $0.0 == "folder" || $0.0 == "name" } ?? false
        let (status, output) = try runProcess(ultraad, ["train", "--config", url.path, "--pool", poolFile.path]
                                              + (names ? [] : ["--run", run.path]) + (extra ?? ["--local-workers", "1"]))
        return (run, status, output)
    }

    func parameters(_ run: URL, step: Int, rank: Int = 4) throws -> [Float] {
        var head = PlantedFeatures.config
        head.adapterRank = rank
        let url = run.appendingPathComponent(String(format: "checkpoints/step-%08d.safetensors", step))
        return try Checkpoint.read(from: url, layout: ParameterLayout(head: head), settings: .init()).parameters.values
    }

    func checkpoints(_ run: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path)) ?? []).sorted()
    }

    func testTrainingKeys() throws {
        let base = try train("base", trainingBaseline)
        XCTAssertEqual(base.status, 0, base.output)
        let reference = try parameters(base.run, step: 3)
        let lines = try metrics(base.run)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0]["queries"] as? Int, 6, "2 queries per class, 3 classes")
        XCTAssertEqual(lines[0]["chunks"] as? Int, 3)
        XCTAssertEqual(checkpoints(base.run), ["step-00000003.safetensors"])
        XCTAssertEqual(base.output.components(separatedBy: "episodes/s").count - 1, 2, "the first and the last step:\n\(base.output)")
        XCTAssertTrue(base.output.contains(", 1 threads"), base.output)

        // Each of these changes the trained parameters, and nothing else does between them.
        for (key, value) in [("run.seed", "8"), ("train.learning_rate", "0.01"), ("train.betas", "[0.9, 0.999]"),
                             ("train.eps", "1.0e-3"), ("train.weight_decay", "0.1"), ("model.temperature", "0.2"),
                             ("model.leaky_slope", "0.2")] {
            let r = try train(key, trainingBaseline.setting(key, value))
            XCTAssertEqual(r.status, 0, r.output)
            XCTAssertNotEqual(try parameters(r.run, step: 3), reference, key)
        }
        // The rank sizes the adapters: the checkpoint has the layout of rank 8.
        let rank = try train("rank", trainingBaseline.setting("model.adapter_rank", "8"))
        XCTAssertEqual(rank.status, 0, rank.output)
        XCTAssertEqual(try parameters(rank.run, step: 3, rank: 8).count, ParameterLayout(head: { var h = PlantedFeatures.config; h.adapterRank = 8; return h }()).totalCount)
        XCTAssertThrowsError(try parameters(rank.run, step: 3, rank: 4))

        // Ablations remove parameters: the checkpoint of a run without the fusion has no
        // fuse.*, and the zero-shot baseline (every trainable component off) is refused.
        let ablated = try train("ablate", trainingBaseline.setting("model.ablate", "[fuse, centre]"))
        XCTAssertEqual(ablated.status, 0, ablated.output)
        let names = try SafeTensorsReader(contentsOf: ablated.run.appendingPathComponent("checkpoints/step-00000003.safetensors")).names
        XCTAssertFalse(names.contains { $0.contains("fuse.") }, "\(names)")
        XCTAssertTrue(names.contains("param.mini.w1"))
        let zeroShot = try train("zero-shot", trainingBaseline.setting(
            "model.ablate", "[image_prompt, learned_prompt, patch_adapter, fuse, mini_net, memory_bank]"))
        XCTAssertNotEqual(zeroShot.status, 0)
        XCTAssertTrue(zeroShot.output.contains("zero-shot"), zeroShot.output)

        // Steps, checkpoints, the log interval, worker threads and the run folder, each with
        // its own observable.
        let folder = dir.appendingPathComponent("elsewhere")
        var counts = trainingBaseline.setting("train.steps", "4").setting("train.checkpoint_every", "2")
            .setting("train.log_every", "1ms").setting("worker.threads", "2")
        counts.set("run.folder", folder.path)
        let c = try train("counts", counts)
        XCTAssertEqual(c.status, 0, c.output)
        XCTAssertEqual(try metrics(folder).count, 4)
        XCTAssertEqual(checkpoints(folder), ["step-00000002.safetensors", "step-00000004.safetensors"])
        // Every step is due a line after 1 ms; two steps within 1 ms of each other share one.
        XCTAssertGreaterThan(c.output.components(separatedBy: "episodes/s").count - 1, 2, "more than the first and last step:\n\(c.output)")
        XCTAssertTrue(c.output.contains(", 2 threads"), c.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("effective-config.yaml").path))

        // feature_memory: the local worker reads the views from the pool file; with room for
        // none it drops them after each block and reads them again (more misses, fewer
        // hits), and the bits stay the same.
        let memoryBase = trainingBaseline.setting("train.steps", "10")
        let roomy = try train("memory-default", memoryBase)
        let tight = try train("memory-1B", memoryBase.setting("worker.feature_memory", "1B"))
        XCTAssertEqual(roomy.status, 0, roomy.output)
        XCTAssertEqual(tight.status, 0, tight.output)
        func total(_ run: URL, _ key: String) throws -> Int { try metrics(run).compactMap { $0[key] as? Int }.reduce(0, +) }
        XCTAssertEqual(try total(roomy.run, "feature_hits") + total(roomy.run, "feature_misses"), 60)
        XCTAssertLessThanOrEqual(try total(roomy.run, "feature_misses"), 24, "at most one read of each of the pool's 24 views")
        XCTAssertGreaterThan(try total(tight.run, "feature_misses"), try total(roomy.run, "feature_misses"))
        XCTAssertEqual(try parameters(tight.run, step: 10), try parameters(roomy.run, step: 10))

        // Queries per class and chunk size: 1 x 3 classes = 3 queries in 1 chunk of 3.
        let q = try train("queries", trainingBaseline.setting("train.queries_per_class", "1").setting("train.chunk_size", "3"))
        XCTAssertEqual(q.status, 0, q.output)
        XCTAssertEqual(try metrics(q.run)[0]["queries"] as? Int, 3)
        XCTAssertEqual(try metrics(q.run)[0]["chunks"] as? Int, 1)

        // run.name names the default folder runs/NAME (relative to the config's folder).
        var named = trainingBaseline
        named.set("run.name", "named")
        let n = try train("named", named)
        XCTAssertEqual(n.status, 0, n.output)
        XCTAssertEqual(try metrics(dir.appendingPathComponent("runs/named")).count, 3)

        // Only schema version 1 is read.
        let v = try train("version", trainingBaseline.setting("version", "2"))
        XCTAssertNotEqual(v.status, 0)
        XCTAssertTrue(v.output.contains("version"), v.output)
    }

    // MARK: - The processes

    /// A free loopback port, found by binding one and letting it go.
    func freePort() throws -> Int {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, .router)
        try socket.bind("tcp://127.0.0.1:*")
        let port = Int(socket.lastEndpoint.split(separator: ":").last ?? "") ?? 0
        socket.close()
        return port
    }

    func testProcessKeys() throws {
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }

        // bind and ipc: where it listens; the local worker comes in through the ipc path.
        let port = try freePort(), ipc = dir.appendingPathComponent("c.sock").path
        let listen = try train("listen", trainingBaseline.setting("coordinator.bind", "\"tcp://127.0.0.1:\(port)\"")
            .setting("coordinator.ipc", "\"ipc://\(ipc)\""))
        XCTAssertEqual(listen.status, 0, listen.output)
        XCTAssertTrue(listen.output.contains("listening on tcp://127.0.0.1:\(port) and ipc://\(ipc)"), listen.output)

        // min_workers: with one local worker it waits for a second, says so, and goes on
        // once one joins.
        let url = dir.appendingPathComponent("min.yaml")
        try trainingBaseline.setting("coordinator.min_workers", "2").text.write(to: url, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("min")
        let waiting = try procs.start(ultraad, ["train", "--config", url.path, "--pool", poolFile.path, "--run", run.path,
                                                "--local-workers", "1"], log: "min.log")
        XCTAssertTrue(eventually(30) { procs.log("min.log").contains(" of 2 ready); start one") }, procs.log("min.log"))
        XCTAssertTrue(eventually(30) { procs.log("min.log").contains(" ready (1 ready)") }, procs.log("min.log"))
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(lineCount(run), 0, "no step before the second worker")
        try procs.start(worker, ["--connect", try XCTUnwrap(endpoint(run))], log: "second.log")
        XCTAssertTrue(waitForExit(waiting, timeout: 60), procs.log("min.log"))
        XCTAssertEqual(waiting.terminationStatus, 0, procs.log("min.log"))

        // worker_timeout and heartbeat: what WELCOME tells every worker.
        let timing = dir.appendingPathComponent("timing.yaml")
        try trainingBaseline.setting("coordinator.worker_timeout", "3s").setting("coordinator.heartbeat", "250ms").text
            .write(to: timing, atomically: true, encoding: .utf8)
        let timingRun = dir.appendingPathComponent("timing")
        try procs.start(ultraad, ["train", "--config", timing.path, "--pool", poolFile.path, "--run", timingRun.path, "--workers", "1"],
                        log: "timing.log")
        XCTAssertTrue(eventually(30) { endpoint(timingRun) != nil }, procs.log("timing.log"))
        let hand = try HandWorker(endpoint: try XCTUnwrap(endpoint(timingRun)))
        try hand.socket.send(.hello, runID: 0, payload: Hello(workerID: "hand", host: "test", pid: 1, threads: 1,
                                                              blasCore: "", bankDigest: "").encoded())
        let welcome = try Welcome(decoding: try hand.next().payload)
        XCTAssertEqual(welcome.heartbeat, 0.25)
        XCTAssertEqual(welcome.timeout, 3)

        // allow_insecure: a bind on every interface without CURVE is refused, then allowed.
        let open = trainingBaseline.setting("coordinator.bind", "\"tcp://*:*\"")
        let refused = try train("refused", open)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("coordinator.bind: tcp://*:* is reachable from other hosts without encryption"), refused.output)
        let allowed = try train("allowed", open.setting("coordinator.allow_insecure", "true"))
        XCTAssertEqual(allowed.status, 0, allowed.output)
        XCTAssertTrue(allowed.output.contains("listening on tcp://0.0.0.0:"), allowed.output)

        // curve: encrypted, with the listed workers admitted, and the local worker given
        // the public key and a key pair of its own.
        let keys = dir.appendingPathComponent("keys")
        let (status, output) = try runProcess(ultraad, ["keys", "generate", "--out", keys.path, "--workers", "2"])
        XCTAssertEqual(status, 0, output)
        var curve = trainingBaseline
        curve.set("coordinator.curve", "{secret_key: \(keys.path)/coordinator.key_secret, public_key: \(keys.path)/coordinator.key, authorized_workers: [\(keys.path)/worker-1.key, \(keys.path)/worker-2.key]}")
        let encrypted = try train("curve", curve)
        XCTAssertEqual(encrypted.status, 0, encrypted.output)
        XCTAssertTrue(encrypted.output.contains("listening (CURVE, 2 authorized workers) on tcp://127.0.0.1:"), encrypted.output)
        var wrongPublic = curve
        wrongPublic.set("coordinator.curve", "{secret_key: \(keys.path)/coordinator.key_secret, public_key: \(keys.path)/worker-1.key, authorized_workers: [\(keys.path)/worker-2.key]}")
        let wrongRun = dir.appendingPathComponent("wrong")
        let wrong = try procs.start(ultraad, ["train", "--config", try write("wrong", wrongPublic).path, "--pool", poolFile.path,
                                              "--run", wrongRun.path, "--local-workers", "1"], log: "wrong.log")
        XCTAssertTrue(eventually(30) { procs.log("wrong.log").contains("listening (CURVE, 1 authorized workers)") }, procs.log("wrong.log"))
        Thread.sleep(forTimeInterval: 3)
        XCTAssertFalse(procs.log("wrong.log").contains(" joined ("), "a worker given the wrong public key never gets in:\n\(procs.log("wrong.log"))")
        XCTAssertEqual(lineCount(wrongRun), 0)
        wrong.terminate()

        // relay: two workers that can relay do, unless it is false; the same bits.
        var losses = [String: [Double]]()
        for relay in ["true", "false"] {
            let relayRun = dir.appendingPathComponent("relay-\(relay)")
            let relayConfig = try write("relay-\(relay)", trainingBaseline.setting("coordinator.relay", relay))
            let c = try procs.start(ultraad, ["train", "--config", relayConfig.path, "--pool", poolFile.path, "--run", relayRun.path,
                                              "--workers", "2"], log: "relay-\(relay).log")
            XCTAssertTrue(eventually(30) { endpoint(relayRun) != nil }, procs.log("relay-\(relay).log"))
            for n in 1...2 {
                try procs.start(worker, ["--connect", try XCTUnwrap(endpoint(relayRun)), "--no-shared-memory",
                                         "--relay-bind", "tcp://127.0.0.1:*", "--idle-exit", "20"], log: "relay-\(relay)-\(n).log")
            }
            XCTAssertTrue(waitForExit(c, timeout: 60), procs.log("relay-\(relay).log"))
            let lines = try metrics(relayRun)
            XCTAssertEqual(Set(lines.map { $0["relay_members"] as? Int }), [relay == "true" ? 2 : 0], procs.log("relay-\(relay).log"))
            losses[relay] = lines.compactMap { $0["loss"] as? Double }
        }
        XCTAssertFalse(losses["true"]?.isEmpty ?? true)
        XCTAssertEqual(losses["true"], losses["false"], "the same losses, step by step, to the last bit")

        // idle_exit and reconnect_max, read by a worker from --config: after the coordinator
        // is killed, backoffs up to 0.3 s, and an exit after 5 s without a coordinator.
        var idle = trainingBaseline.setting("train.steps", "100000").setting("coordinator.worker_timeout", "1s")
        idle.set("worker", "{idle_exit: 5s, reconnect_max: 300ms}")
        let idleConfig = try write("idle", idle)
        let idleRun = dir.appendingPathComponent("idle")
        let coordinator = try procs.start(ultraad, ["train", "--config", idleConfig.path, "--pool", poolFile.path,
                                                    "--run", idleRun.path, "--workers", "1"], log: "idle.log")
        XCTAssertTrue(eventually(30) { endpoint(idleRun) != nil }, procs.log("idle.log"))
        let w = try procs.start(worker, ["--connect", try XCTUnwrap(endpoint(idleRun)), "--config", idleConfig.path], log: "idle-worker.log")
        XCTAssertTrue(eventually(30) { lineCount(idleRun) >= 2 }, procs.log("idle.log"))
        kill(coordinator.processIdentifier, SIGKILL)
        XCTAssertTrue(waitForExit(w, timeout: 20), procs.log("idle-worker.log"))
        let log = procs.log("idle-worker.log")
        XCTAssertTrue(log.contains("no coordinator for 5 s; exiting"), log)
        XCTAssertTrue(log.contains("reconnecting in 0.1 s") && log.contains("reconnecting in 0.2 s") && log.contains("reconnecting in 0.3 s"), log)
        XCTAssertFalse(log.contains("reconnecting in 0.4 s") || log.contains("reconnecting in 0.6 s"), log)
    }

    func write(_ name: String, _ config: YAML) throws -> URL {
        let url = dir.appendingPathComponent("\(name).yaml")
        try config.text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
