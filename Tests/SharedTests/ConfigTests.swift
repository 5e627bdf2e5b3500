import XCTest
@testable import Shared
@testable import TestSupport

final class ConfigTests: XCTestCase {
    let base = URL(filePath: "/work/project", directoryHint: .isDirectory)

    /// The smallest valid file: version, one site, the train sites.
    let minimal = """
        version: 1
        sites:
          - name: A
            path: data/site-A
        train_sites: [A]
        """

    func parse(_ yaml: String, source: String = "test.yaml") throws(ConfigError) -> ClusterConfig {
        try ClusterConfig.parse(yaml: yaml, source: source, baseDirectory: base)
    }

    /// `minimal` with `extra` appended (top-level YAML).
    func parseMinimal(_ extra: String) throws(ConfigError) -> ClusterConfig {
        try parse(minimal + "\n" + extra)
    }

    /// Parsing fails, and the message contains every fragment.
    func assertFails(_ yaml: String, _ fragments: [String], line: Int? = nil,
                     file: StaticString = #filePath, testLine: UInt = #line) {
        do {
            let config = try parse(yaml)
            XCTFail("parsed without error: \(config)", file: file, line: testLine)
        } catch {
            let message = error.description
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "\"\(message)\" lacks \"\(fragment)\"", file: file, line: testLine)
            }
            XCTAssertTrue(message.hasPrefix("test.yaml"), "\"\(message)\" does not name the file", file: file, line: testLine)
            if let line {
                XCTAssertTrue(message.hasPrefix("test.yaml:\(line):"), "\"\(message)\" is not at line \(line)", file: file, line: testLine)
            }
        }
    }

    func assertMinimalFails(_ extra: String, _ fragments: [String], line: Int? = nil,
                            file: StaticString = #filePath, testLine: UInt = #line) {
        assertFails(minimal + "\n" + extra, fragments, line: line, file: file, testLine: testLine)
    }

    func site(_ name: String, _ path: String, root: URL) -> ClusterConfig.SiteSettings {
        .init(name: name, path: ClusterConfig.resolvePath(path, against: root))
    }

    // MARK: The committed example and the defaults

    func testExampleFileEqualsDefaultsExceptItsSites() throws {
        let repo = Fixtures.repositoryRoot
        let path = repo.appending(path: "cluster.yaml").path
        let config = try ClusterConfig.load(path: path)
        // The file deliberately differs from the defaults only in what has no default:
        // two sites, training on A (test_sites [A, B] is the default, all sites).
        let expected = ClusterConfig.defaults(sites: [site("A", "data/site-A", root: repo), site("B", "data/site-B", root: repo)],
                                              trainSites: ["A"], baseDirectory: repo)
        XCTAssertEqual(config, expected)
        XCTAssertEqual(config.digest, expected.digest)
        XCTAssertEqual(config.testSites, ["A", "B"])
        XCTAssertEqual(config.run.folder.path, repo.appending(path: "runs/ultraad-run").path)
    }

    func testExampleFileCommentsEveryKey() throws {
        let repo = Fixtures.repositoryRoot
        let text = try String(contentsOf: repo.appending(path: "cluster.yaml"), encoding: .utf8)
        // Every line but comments and the quoted sentences of list items explains itself.
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.hasPrefix("- \"") { continue }
            XCTAssertTrue(line.contains(" # "), "no comment on: \(line)")
        }
        // The keys of the commented-out curve block parse when uncommented.
        let curve = text.replacingOccurrences(of: "  curve: null ", with: "  # curve: null")
            .replacingOccurrences(of: "  # curve:   ", with: "  curve:     ")
            .replacingOccurrences(of: "  #   ", with: "    ")
        let config = try ClusterConfig.parse(yaml: curve, source: "cluster.yaml", baseDirectory: base)
        XCTAssertEqual(config.coordinator.curve?.authorizedWorkers.count, 2)
        XCTAssertEqual(config.coordinator.curve?.secretKey.path, "/work/project/keys/coordinator.key_secret")
    }

    func testMinimalFileTakesEveryDefault() throws {
        let config = try parse(minimal)
        XCTAssertEqual(config, ClusterConfig.defaults(sites: [site("A", "data/site-A", root: base)], baseDirectory: base))
        XCTAssertNoThrow(try config.validate())
        XCTAssertEqual(config.version, 1)
        XCTAssertEqual(config.run.name, "ultraad-run")
        XCTAssertEqual(config.run.folder.path, "/work/project/runs/ultraad-run")
        XCTAssertEqual(config.run.seed, 0)
        XCTAssertEqual(config.backbone, .init(weights: .builtinTiny))
        XCTAssertEqual(config.backbone.resolvedLayers(depth: 24), [6, 12, 18, 24])
        XCTAssertEqual(config.backbone.resolvedLayers(depth: 12), [3, 6, 9, 12])
        XCTAssertEqual(config.backbone.resolvedLayers(depth: 2), [1, 2])
        XCTAssertEqual(config.sites[0].format, .auto, "detected when the dataset is loaded")
        XCTAssertEqual(config.sites[0].table, nil)
        XCTAssertTrue(config.data.mergeDuplicates)
        XCTAssertEqual(config.testSites, ["A"])
        XCTAssertEqual(config.data, .init(skipBad: false, maskThreshold: 0.5))
        XCTAssertEqual(config.fewShot.shots, 8)
        XCTAssertEqual(config.fewShot.views.map(\.rawValue), ["identity", "hflip", "rot+10", "rot-10", "gain0.8", "gain1.25"])
        XCTAssertEqual(config.fewShot.cache.path, "/work/project/cache")
        XCTAssertNil(config.fewShot.shotsFile)
        XCTAssertEqual(config.model.classes, ["normal", "benign", "malignant"])
        XCTAssertEqual(config.model.adapterRank, 128)
        XCTAssertEqual(config.model.temperature, 0.07)
        XCTAssertEqual(config.model.leakySlope, 0.01)
        XCTAssertEqual(config.model.promptTemplates.count, 5)
        XCTAssertEqual(config.model.normalStates.count, 6)
        XCTAssertEqual(config.model.abnormalStates.count, 7)
        for name in config.model.classes {
            XCTAssertEqual(config.model.classDescriptions[name]?.count, 4, name)
        }
        XCTAssertEqual(config.model.statePrompts[0].count, config.model.normalStates.count * config.model.promptTemplates.count)
        XCTAssertEqual(config.model.statePrompts[1][0], "a lesion breast ultrasound image")
        XCTAssertEqual(config.model.descriptionsInClassOrder[1][0], "oval circumscribed hypoechoic mass parallel to the skin")
        XCTAssertEqual(config.train, .init(steps: 300, queriesPerClass: 2, chunkSize: 2, learningRate: 1e-3, beta1: 0.5,
                                           beta2: 0.999, epsilon: 1e-8, weightDecay: 0, checkpointEvery: 50, logEvery: .seconds(30)))
        XCTAssertEqual(config.eval, .init(fewShotMemory: true, smoothingSigma: 4, overlays: 8))
        XCTAssertEqual(config.coordinator.bind, .tcp(host: "127.0.0.1", port: 0), "loopback, any free port")
        XCTAssertNil(config.coordinator.ipc)
        XCTAssertEqual(config.coordinator.minWorkers, 1)
        XCTAssertEqual(config.coordinator.workerTimeout.seconds, 10)
        XCTAssertEqual(config.coordinator.heartbeat.seconds, 1)
        XCTAssertFalse(config.coordinator.allowInsecure)
        XCTAssertNil(config.coordinator.curve)
        XCTAssertEqual(config.worker, .init(threads: 1, idleExit: .seconds(300), reconnectMax: .seconds(10)))
    }

    func testEveryValueIsRead() throws {
        let config = try parse("""
            version: 1
            run: {name: exp-1, folder: /scratch/exp1, seed: 18446744073709551615}
            backbone:
              weights: weights/ViT-L-14-336.safetensors
              vocab: weights/vocab.json
              merges: weights/merges.txt
              image_size: 224
              layers: [3, 6, 9, 12]
            sites:
              - {name: busi, path: /data/BUSI, format: busi}
              - {name: ext, path: lists/ext.csv}
              - {name: odd, path: lists/odd.txt, format: csv, table: lists/labels.xlsx}
            train_sites: [busi]
            test_sites: [ext, odd]
            data: {skip_bad: true, mask_threshold: 1, merge_duplicates: false}
            fewshot: {shots: 4, shots_file: old/shots.csv, views: [identity, hflip], cache: /tmp/cache}
            model:
              classes: [normal, lesion]
              adapter_rank: 64
              temperature: 0.1
              leaky_slope: 0
              prompt_templates: ["{} tissue"]
              normal_states: [fine]
              abnormal_states: [bad]
              class_descriptions: {normal: [plain tissue], lesion: [a dark spot, a mass]}
            train: {steps: 0, queries_per_class: 4, chunk_size: 3, learning_rate: 0.01, betas: [0, 0.9],
                    eps: 1e-6, weight_decay: 0.05, checkpoint_every: 0, log_every: 10s}
            eval: {few_shot_memory: false, smoothing_sigma: 0, overlays: 0}
            coordinator:
              bind: "tcp://*:6000"
              ipc: ipc:///tmp/ultraad.sock
              min_workers: 3
              worker_timeout: 1.5m
              heartbeat: 500ms
              allow_insecure: false
              curve: {secret_key: k/c.key_secret, public_key: k/c.key, authorized_workers: [k/w1.key]}
            worker: {threads: 4, idle_exit: 2h, reconnect_max: 250ms}
            """)
        XCTAssertEqual(config.run, .init(name: "exp-1", folder: URL(filePath: "/scratch/exp1"), seed: .max))
        XCTAssertEqual(config.backbone.weights, .file(URL(filePath: "/work/project/weights/ViT-L-14-336.safetensors")))
        XCTAssertEqual(config.backbone.vocab?.path, "/work/project/weights/vocab.json")
        XCTAssertEqual(config.backbone.merges?.path, "/work/project/weights/merges.txt")
        XCTAssertEqual(config.backbone.imageSize, 224)
        XCTAssertEqual(config.backbone.resolvedLayers(depth: 24), [3, 6, 9, 12])
        XCTAssertEqual(config.sites.map(\.format), [.busi, .auto, .csv])
        XCTAssertEqual(config.site(named: "ext")?.path.path, "/work/project/lists/ext.csv")
        XCTAssertEqual(config.testSites, ["ext", "odd"])
        XCTAssertEqual(config.data, .init(skipBad: true, maskThreshold: 1, mergeDuplicates: false))
        XCTAssertEqual(config.sites.map { $0.table?.path }, [nil, nil, "/work/project/lists/labels.xlsx"])
        XCTAssertEqual(config.fewShot, .init(shots: 4, shotsFile: URL(filePath: "/work/project/old/shots.csv"),
                                             views: [.identity, .hflip], cache: URL(filePath: "/tmp/cache")))
        XCTAssertEqual(config.model.classDescriptions, ["normal": ["plain tissue"], "lesion": ["a dark spot", "a mass"]])
        XCTAssertEqual(config.model.statePrompts, [["fine tissue"], ["bad tissue"]])
        XCTAssertEqual(config.train, .init(steps: 0, queriesPerClass: 4, chunkSize: 3, learningRate: 0.01, beta1: 0, beta2: 0.9,
                                           epsilon: 1e-6, weightDecay: 0.05, checkpointEvery: 0, logEvery: .seconds(10)))
        XCTAssertEqual(config.eval, .init(fewShotMemory: false, smoothingSigma: 0, overlays: 0))
        XCTAssertEqual(config.coordinator.bind, .tcp(host: "*", port: 6000))
        XCTAssertEqual(config.coordinator.ipc, .ipc(path: "/tmp/ultraad.sock"))
        XCTAssertEqual(config.coordinator.minWorkers, 3)
        XCTAssertEqual(config.coordinator.workerTimeout.seconds, 90)
        XCTAssertEqual(config.coordinator.heartbeat.milliseconds, 500)
        XCTAssertEqual(config.coordinator.curve?.authorizedWorkers.map(\.path), ["/work/project/k/w1.key"])
        XCTAssertEqual(config.worker, .init(threads: 4, idleExit: .seconds(7200), reconnectMax: .milliseconds(250)))

        let head = config.model.headConfig(jointDim: 768, visionWidth: 1024, layers: [3, 6, 9, 12])
        XCTAssertEqual(head.adapterRank, 64)
        XCTAssertEqual(head.classes, 2)
        XCTAssertEqual(head.temperature, 0.1)
        XCTAssertEqual(head.leakySlope, 0)
        XCTAssertEqual(head.layers, [3, 6, 9, 12])
        let adam = config.adamWSettings
        XCTAssertEqual([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon, adam.weightDecay], [0.01, 0, 0.9, 1e-6, 0.05])
    }

    func testDefaultsMatchTheHeadAndOptimizerDefaults() {
        let config = ClusterConfig.defaults(sites: [site("A", "a", root: base)], baseDirectory: base)
        XCTAssertEqual(config.model.headConfig(jointDim: 768, visionWidth: 1024, layers: [6, 12, 18, 24]), HeadConfig.vitL14)
        XCTAssertEqual(config.adamWSettings, AdamW.Settings())
    }

    // MARK: Paths

    func testRelativePathsResolveAgainstTheConfigFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "ultraad-config-\(UUID().uuidString)/conf")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let file = dir.appending(path: "cluster.yaml")
        try """
            version: 1
            run: {folder: ../runs/./r1}
            sites:
              - {name: A, path: ../data/A}
              - {name: B, path: /abs/B}
              - {name: C, path: here.csv}
            train_sites: [A]
            fewshot: {shots_file: shots.csv}
            """.write(to: file, atomically: true, encoding: .utf8)
        // Creating the run folder must not change the result (no trailing-slash effects).
        let parent = dir.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: parent + "/runs/r1", withIntermediateDirectories: true)
        let config = try ClusterConfig.load(path: file.path)
        XCTAssertEqual(config.run.folder.path, parent + "/runs/r1")
        XCTAssertEqual(config.run.folder, URL(filePath: parent + "/runs/r1"))
        XCTAssertEqual(config.sites.map(\.path.path), [parent + "/data/A", "/abs/B", dir.path + "/here.csv"])
        XCTAssertEqual(config.sites[2].format, .auto)
        XCTAssertEqual(config.fewShot.shotsFile?.path, dir.path + "/shots.csv")
        XCTAssertEqual(config.fewShot.cache.path, dir.path + "/cache")
    }

    func testUnreadableFile() {
        XCTAssertThrowsError(try ClusterConfig.load(path: "/nonexistent/cluster.yaml")) { error in
            let message = String(describing: error)
            XCTAssertEqual(message, "/nonexistent/cluster.yaml: cannot read the configuration: no such file")
        }
    }

    // MARK: Unknown keys, wrong types, versions, syntax

    func testUnknownKeyNamesThePathAndSuggests() {
        assertMinimalFails("train:\n  stpes: 10", ["train.stpes: unknown key", "did you mean 'steps'?", "train takes: steps,"], line: 7)
        assertMinimalFails("tain:\n  steps: 10", ["tain: unknown key", "did you mean 'train'?"], line: 6)
        assertMinimalFails("coordinator:\n  curve:\n    secret: a", ["coordinator.curve.secret: unknown key", "secret_key"])
        assertFails("version: 1\nsites:\n  - {name: A, pth: x}\ntrain_sites: [A]", ["sites[0].pth: unknown key", "did you mean 'path'?"], line: 3)
        assertMinimalFails("model:\n  class_descriptions:\n    benigm: [x]",
                           ["model.class_descriptions.benigm: unknown key", "did you mean 'benign'?"])
        assertMinimalFails("zzzzzz: 1", ["zzzzzz: unknown key (the top level takes: version,"])
    }

    func testWrongTypeNamesThePathTheTypeAndTheValue() {
        assertMinimalFails("train:\n  steps: many", ["train.steps: expected an integer, found the string \"many\""], line: 7)
        assertMinimalFails("train:\n  steps: 1.5", ["train.steps: expected an integer, found the number 1.5"])
        assertMinimalFails("train:\n  steps: \"300\"", ["train.steps: expected an integer, found the string \"300\""])
        assertMinimalFails("run: [a, b]", ["run: expected a mapping, found a list"])
        assertMinimalFails("data:\n  skip_bad: 1", ["data.skip_bad: expected true or false, found the integer 1"])
        assertMinimalFails("model:\n  temperature: hot", ["model.temperature: expected a number, found the string \"hot\""])
        assertMinimalFails("model:\n  classes: normal", ["model.classes: expected a list, found the string \"normal\""])
        assertMinimalFails("run:\n  seed: -1", ["run.seed: must be an integer from 0 to 18446744073709551615, found -1"])
        assertMinimalFails("train:\n  steps:", ["train.steps: expected an integer, found null"])
        assertMinimalFails("test_sites: {A: 1}", ["test_sites: expected a list, found a mapping"])
        assertFails("- 1\n- 2", ["expected a mapping of settings, found a list"])
    }

    func testVersion() {
        assertFails("version: 2\nsites: []\nnew_key: 1", ["version: version 2 is not supported; this build reads version 1"], line: 1)
        assertFails("sites: []", ["version: required; add `version: 1`"])
        assertFails("", ["version: required"])
        assertFails("version: one", ["version: expected an integer, found the string \"one\""])
    }

    func testMissingRequiredKeys() {
        assertFails("version: 1\ntrain_sites: [A]", ["sites: required but missing"])
        assertFails("version: 1\nsites: [{name: A, path: a}]", ["train_sites: required but missing"])
        assertFails("version: 1\nsites: [{path: a}]\ntrain_sites: [A]", ["sites[0].name: required but missing"])
        assertFails("version: 1\nsites: []\ntrain_sites: [A]", ["sites: must list at least one site"])
    }

    func testSyntaxErrorsCarryTheLine() {
        assertFails("version: 1\nsites:\n  - name: A\n   path: x\n", ["not valid YAML"], line: 4)
        assertFails("version: 1\nversion: 1\n", ["duplicate key 'version'"])
        assertMinimalFails("train: {steps: 1", ["not valid YAML"])
    }

    // MARK: Impossible values

    func testImpossibleValues() {
        assertMinimalFails("train:\n  steps: -5", ["train.steps: must be an integer of at least 0, found -5"], line: 7)
        assertMinimalFails("fewshot:\n  shots: 0", ["fewshot.shots: must be an integer of at least 1, found 0"], line: 7)
        assertMinimalFails("train:\n  chunk_size: 0", ["train.chunk_size: must be an integer of at least 1, found 0"])
        assertMinimalFails("train:\n  queries_per_class: 9", ["train.queries_per_class: must be at most fewshot.shots (8)"])
        assertMinimalFails("train:\n  learning_rate: 0", ["train.learning_rate: must be a number greater than 0"])
        assertMinimalFails("train:\n  learning_rate: .nan", ["train.learning_rate: must be a number greater than 0"])
        assertMinimalFails("train:\n  betas: [0.9, 1]", ["train.betas[1]: must be a number from 0 up to (not including) 1"])
        assertMinimalFails("train:\n  betas: [0.9]", ["train.betas: must be two numbers [beta1, beta2], found 1"])
        assertMinimalFails("train:\n  log_every: 0s", ["train.log_every: must be a duration greater than 0"])
        assertMinimalFails("train:\n  log_every: 10", ["train.log_every: \"10\" has no unit"])
        assertMinimalFails("data:\n  mask_threshold: 0", ["data.mask_threshold: must be a number greater than 0 and at most 1"])
        assertMinimalFails("eval:\n  smoothing_sigma: -1", ["eval.smoothing_sigma: must be a number of at least 0"])
        assertMinimalFails("model:\n  leaky_slope: 1", ["model.leaky_slope: must be a number from 0 up to (not including) 1"])
        assertMinimalFails("model:\n  adapter_rank: 0", ["model.adapter_rank: must be an integer of at least 1"])
        assertMinimalFails("worker:\n  threads: 0", ["worker.threads: must be an integer of at least 1"])
        assertMinimalFails("run:\n  name: my run", ["run.name: \"my run\" is not a valid name"])
        assertMinimalFails("backbone:\n  layers: [12, 6]", ["backbone.layers[1]: block numbers must increase, found 6 after 12"])
        assertMinimalFails("backbone:\n  image_size: 0", ["backbone.image_size: must be an integer of at least 1"])
    }

    func testHeartbeatMustBeUnderHalfTheTimeout() {
        assertMinimalFails("coordinator:\n  heartbeat: 5s", ["coordinator.heartbeat: must be less than half of coordinator.worker_timeout (10s), found 5s"], line: 7)
        assertMinimalFails("coordinator:\n  worker_timeout: 1s", ["coordinator.heartbeat: must be less than half of coordinator.worker_timeout (1s), found 1s"], line: 6)
        XCTAssertNoThrow(try parseMinimal("coordinator:\n  heartbeat: 4999ms"))
    }

    func testSiteReferences() {
        assertMinimalFails("test_sites: [A, B]", ["test_sites[1]: \"B\" is not in sites (A)"], line: 6)
        assertFails("version: 1\nsites: [{name: A, path: a}, {name: Bee, path: b}]\ntrain_sites: [Be]",
                    ["train_sites[0]: \"Be\" is not in sites (A, Bee); did you mean 'Bee'?"])
        assertFails("version: 1\nsites: [{name: A, path: a}]\ntrain_sites: [A, A]", ["train_sites[1]: \"A\" is listed twice"])
        assertFails("version: 1\nsites: [{name: A, path: a}]\ntrain_sites: []", ["train_sites: must list at least one name from sites"])
        assertFails("""
            version: 1
            sites:
              - {name: A, path: a}
              - {name: A, path: b}
            train_sites: [A]
            """, ["sites[1].name: \"A\" is already the name of sites[0]; site names must be unique"], line: 4)
        assertFails("version: 1\nsites: [{name: A, path: a, format: folder}]\ntrain_sites: [A]",
                    ["sites[0].format: \"folder\" is not one of auto, busi, bus-uclm, bus-bra, breast-lesions-usg, udiat-b, csv"])
    }

    func testEndpoints() {
        assertMinimalFails("coordinator:\n  bind: 127.0.0.1:5555", ["coordinator.bind: \"127.0.0.1:5555\" is not an endpoint; write tcp://HOST:PORT"], line: 7)
        assertMinimalFails("coordinator:\n  bind: tcp://127.0.0.1:99999", ["coordinator.bind:", "port \"99999\" must be a number from 1 to 65535"])
        assertMinimalFails("coordinator:\n  bind: tcp://127.0.0.1", ["coordinator.bind:", "has no port"])
        assertMinimalFails("coordinator:\n  bind: tcp://300.1.1.1:5", ["coordinator.bind:", "host \"300.1.1.1\""])
        assertMinimalFails("coordinator:\n  bind: ipc://relative.sock", ["coordinator.bind:", "needs an absolute path"])
        assertMinimalFails("coordinator:\n  ipc: tcp://127.0.0.1:6000", ["coordinator.ipc: must be an ipc:///absolute/path endpoint"])
        assertMinimalFails("coordinator:\n  bind: \"tcp://*:5555\"",
                           ["coordinator.bind: tcp://*:5555 is reachable from other hosts", "allow_insecure: true"])
        XCTAssertNoThrow(try parseMinimal("coordinator:\n  bind: \"tcp://*:5555\"\n  allow_insecure: true"))
        XCTAssertNoThrow(try parseMinimal("coordinator:\n  bind: ipc:///tmp/u.sock"))

        typealias E = ClusterConfig.Endpoint
        XCTAssertEqual(try E(parsing: "tcp://[::1]:7000"), .tcp(host: "[::1]", port: 7000))
        XCTAssertEqual(try E(parsing: "tcp://node-12.cluster:7000"), .tcp(host: "node-12.cluster", port: 7000))
        XCTAssertEqual(try E(parsing: "tcp://127.0.0.1:*"), .tcp(host: "127.0.0.1", port: 0))
        XCTAssertEqual(try E(parsing: "tcp://127.0.0.1:*").description, "tcp://127.0.0.1:*")
        XCTAssertTrue(try E(parsing: "tcp://127.0.0.2:1").isLoopback)
        XCTAssertTrue(try E(parsing: "tcp://localhost:1").isLoopback)
        XCTAssertTrue(try E(parsing: "tcp://[::1]:1").isLoopback)
        XCTAssertFalse(try E(parsing: "tcp://10.0.0.1:1").isLoopback)
        XCTAssertFalse(try E(parsing: "tcp://127.example.org:1").isLoopback)
        XCTAssertThrowsError(try E(parsing: "tcp://1.2.3:80")) {
            XCTAssertEqual($0 as? ConfigSyntaxError,
                           ConfigSyntaxError("\"tcp://1.2.3:80\": host \"1.2.3\" must be *, an IPv4 address, [an IPv6 address] or a host name"))
        }
        let longPath = "/" + String(repeating: "x", count: 107)
        XCTAssertThrowsError(try E(parsing: "ipc://" + longPath)) {
            XCTAssertEqual($0 as? ConfigSyntaxError,
                           ConfigSyntaxError("\"ipc://\(longPath)\": the ipc path is 108 bytes; at most 107 fit in a Unix socket address"))
        }
        XCTAssertEqual(String(describing: try E(parsing: "ipc:///tmp/a.sock")), "ipc:///tmp/a.sock")
    }

    func testMemorySizes() throws {
        assertMinimalFails("worker:\n  feature_memory: 8", ["worker.feature_memory: \"8\" has no unit; write a number with a unit B, KiB"])
        assertMinimalFails("worker:\n  feature_memory: lots GiB", ["worker.feature_memory: \"lots GiB\" is not an amount of memory"])
        assertMinimalFails("worker:\n  feature_memory: 0B", ["worker.feature_memory: must be at least 1B (or null for no limit), found 0B"])
        assertMinimalFails("worker:\n  feature_memory: true", ["worker.feature_memory:", "an amount of memory"])
        XCTAssertEqual(try ConfigByteSize(parsing: "512MiB").bytes, 512 << 20)
        XCTAssertEqual(try ConfigByteSize(parsing: "1.5GB").bytes, 1_500_000_000)
        XCTAssertEqual(try ConfigByteSize(parsing: "8 GiB").bytes, 8 << 30)
        XCTAssertEqual(try ConfigByteSize(parsing: "3KB").bytes, 3000)
        XCTAssertEqual(try ConfigByteSize(parsing: "7B").bytes, 7)
        XCTAssertEqual([ConfigByteSize(bytes: 8 << 30), .init(bytes: 1536 << 20), .init(bytes: 3000), .init(bytes: 1 << 40)].map(\.description),
                       ["8GiB", "1536MiB", "3000B", "1TiB"])
        // The default, null (no limit), and a value round-trip through the written config.
        XCTAssertEqual(ClusterConfig.WorkerSettings().featureMemory, .gibibytes(8))
        let base = URL(fileURLWithPath: "/tmp")
        for value in ["null", "1536MiB"] {
            let text = "version: 1\nsites: [{name: A, path: a}]\ntrain_sites: [A]\nworker: {feature_memory: \(value)}\n"
            let config = try ClusterConfig.parse(yaml: text, source: "t.yaml", baseDirectory: base)
            XCTAssertEqual(config.worker.featureMemory?.description ?? "null", value)
            let again = try ClusterConfig.parse(yaml: config.yamlText, source: "again.yaml", baseDirectory: base)
            XCTAssertEqual(again.worker.featureMemory, config.worker.featureMemory)
        }
    }

    func testDurations() throws {
        assertMinimalFails("coordinator:\n  worker_timeout: 10", ["coordinator.worker_timeout: \"10\" has no unit; write a number with a unit ms, s, m or h"])
        assertMinimalFails("coordinator:\n  worker_timeout: ten s", ["coordinator.worker_timeout: \"ten s\" is not a duration; write a number with a unit ms, s, m or h"])
        assertMinimalFails("worker:\n  idle_exit: 5min", ["worker.idle_exit: \"5min\" has no unit"])
        assertMinimalFails("worker:\n  idle_exit: 0s", ["worker.idle_exit: must be a duration greater than 0"])
        assertMinimalFails("worker:\n  idle_exit: 9000h", ["worker.idle_exit:", "longer than the longest allowed duration (365 days)"])

        XCTAssertEqual(try ConfigDuration(parsing: "250ms").seconds, 0.25)
        XCTAssertEqual(try ConfigDuration(parsing: "1.5s").milliseconds, 1500)
        XCTAssertEqual(try ConfigDuration(parsing: "2m").seconds, 120)
        XCTAssertEqual(try ConfigDuration(parsing: "1h").duration, .seconds(3600))
        XCTAssertEqual(["250ms", "10s", "5m", "2h", "90s", "1500ms"].map { (try? ConfigDuration(parsing: $0))?.description },
                       ["250ms", "10s", "5m", "2h", "90s", "1500ms"])
        XCTAssertEqual(ConfigDuration.seconds(1.5).description, "1500ms")
        XCTAssertEqual(ConfigDuration.seconds(0.0005).description, "0.0005s")
        XCTAssertEqual(ConfigDuration.seconds(5400).description, "90m")
        // Out-of-range values built in code print and convert without trapping.
        XCTAssertEqual(ConfigDuration.seconds(.infinity).description, "infs")
        XCTAssertEqual(ConfigDuration.seconds(-2).milliseconds, 0)
        XCTAssertEqual(ConfigDuration.seconds(1e300).milliseconds, 1 << 53)
        var config = ClusterConfig.defaults(sites: [site("A", "a", root: base)], baseDirectory: base)
        config.worker.idleExit = .seconds(.infinity)
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual(String(describing: error), "configuration: worker.idle_exit: must be a duration greater than 0 and at most a year, found infs")
        }
    }

    func testTextEnsembles() {
        assertMinimalFails("model:\n  prompt_templates: [\"a breast ultrasound image\"]",
                           ["model.prompt_templates[0]: \"a breast ultrasound image\" must contain {} exactly once"], line: 7)
        assertMinimalFails("model:\n  prompt_templates: [\"{} and {}\"]", ["model.prompt_templates[0]:", "exactly once"])
        assertMinimalFails("model:\n  prompt_templates: []", ["model.prompt_templates: must list at least one template"])
        assertMinimalFails("model:\n  normal_states: [normal, normal]", ["model.normal_states[1]: \"normal\" is listed twice"])
        assertMinimalFails("model:\n  abnormal_states: [\" \"]", ["model.abnormal_states[0]: must not be empty"])
        assertMinimalFails("""
            model:
              class_descriptions:
                normal: [plain tissue]
                benign: [an oval mass]
            """, ["model.class_descriptions: is missing class 'malignant'"], line: 7)
        assertMinimalFails("model:\n  classes: [normal, lesion]", ["model.class_descriptions: is missing class 'lesion'"])
        assertMinimalFails("model:\n  classes: [normal]", ["model.classes: must list at least two classes, the normal one first, found 1"])
        assertMinimalFails("model:\n  class_descriptions:\n    normal: []\n    benign: [b]\n    malignant: [m]",
                           ["model.class_descriptions: is missing class 'normal'"])
        XCTAssertNoThrow(try parseMinimal("model:\n  classes: [normal, lesion]\n  class_descriptions: {normal: [n], lesion: [l]}"))
    }

    func testCurveNeedsAllThreeKeys() {
        assertMinimalFails("""
            coordinator:
              curve:
                secret_key: keys/c.key_secret
                public_key: keys/c.key
            """, ["coordinator.curve.authorized_workers: required but missing",
                  "give all three of secret_key, public_key and authorized_workers, or none"], line: 7)
        assertMinimalFails("coordinator:\n  curve:\n    authorized_workers: [w.key]", ["coordinator.curve.secret_key: required but missing"])
        assertMinimalFails("coordinator:\n  curve: {secret_key: s, public_key: p, authorized_workers: []}",
                           ["coordinator.curve.authorized_workers: must list at least one worker public key file"])
        // With keys, a public bind needs no allow_insecure.
        XCTAssertNoThrow(try parseMinimal("coordinator:\n  bind: tcp://10.1.2.3:5555\n  curve: {secret_key: s, public_key: p, authorized_workers: [w]}"))
    }

    func testFewShotViewsAndBackboneFiles() {
        assertMinimalFails("fewshot:\n  views: [identity, rot+15]",
                           ["fewshot.views[1]: \"rot+15\" is not one of identity, hflip, rot+10, rot-10, gain0.8, gain1.25", "did you mean 'rot+10'?"], line: 7)
        assertMinimalFails("fewshot:\n  views: [hflip, hflip]", ["fewshot.views[1]: \"hflip\" is listed twice"])
        assertMinimalFails("fewshot:\n  views: []", ["fewshot.views: must list at least one view"])
        assertMinimalFails("backbone:\n  weights: builtin:large", ["backbone.weights: unknown builtin backbone \"builtin:large\""])
        assertMinimalFails("backbone:\n  weights: clip.bin", ["backbone.weights: must be builtin:tiny or a path to a CLIP .safetensors file"])
        assertMinimalFails("backbone:\n  weights: clip.safetensors", ["backbone.vocab: is required when backbone.weights is a file"])
        assertMinimalFails("backbone:\n  weights: clip.safetensors\n  vocab: vocab.json", ["backbone.merges: is required with a vocab.json"])
        assertMinimalFails("backbone:\n  weights: clip.safetensors\n  vocab: bpe.txt.gz\n  merges: m.txt", ["backbone.merges: must be null with a .txt.gz vocabulary"])
        assertMinimalFails("backbone:\n  vocab: vocab.json", ["backbone.vocab: must be null with builtin:tiny"])
        XCTAssertNoThrow(try parseMinimal("backbone:\n  weights: clip.safetensors\n  vocab: bpe_simple_vocab_16e6.txt.gz"))
    }

    func testValidateChecksConfigurationsBuiltInCode() {
        var config = ClusterConfig.defaults(sites: [site("A", "a", root: base)], baseDirectory: base)
        XCTAssertNoThrow(try config.validate())
        config.train.chunkSize = 0
        XCTAssertThrowsError(try config.validate(source: "demo")) { error in
            XCTAssertEqual(String(describing: error), "demo: train.chunk_size: must be an integer of at least 1, found 0")
        }
        config.train.chunkSize = 2
        config.coordinator.bind = .tcp(host: "bad host", port: 1)
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual((error as? ConfigError)?.keyPath, "coordinator.bind")
        }
    }

    // MARK: Digest

    func testDigestIsStableAndSensitive() throws {
        let a = try parse(minimal), b = try parse(minimal)
        XCTAssertEqual(a.digest, b.digest)
        XCTAssertEqual(a.digest.count, 16)
        XCTAssertTrue(a.digest.allSatisfy(\.isHexDigit))
        // Same settings written differently (order, defaults spelled out, flow style).
        let reordered = try parse("""
            train_sites: [A]
            train: {steps: 300, chunk_size: 2}
            sites: [{path: data/site-A, name: A, format: auto}]
            version: 1
            coordinator: {heartbeat: 1000ms}
            """)
        XCTAssertEqual(reordered, a)
        XCTAssertEqual(reordered.digest, a.digest)

        // Every setting that changes the result counts, whatever its section.
        var digests: Set<String> = [a.digest]
        let results = ["train:\n  chunk_size: 3", "run:\n  seed: 1", "model:\n  temperature: 0.0700001",
                       "fewshot:\n  views: [hflip, identity]", "data:\n  mask_threshold: 0.4",
                       "eval:\n  smoothing_sigma: 3", "backbone:\n  layers: [1, 2]", "train:\n  betas: [0.5, 0.99]"]
        for change in results {
            let changed = try parseMinimal(change)
            XCTAssertNotEqual(changed, a, change)
            digests.insert(changed.digest)
        }
        XCTAssertEqual(digests.count, results.count + 1)
        // Names, places, checkpoint and log rates, pictures and process settings do not:
        // a SLURM requeue on another node or with other ports resumes.
        for change in ["run:\n  name: other\n  folder: /elsewhere/run", "coordinator:\n  heartbeat: 2s\n  bind: \"tcp://127.0.0.1:7000\"",
                       "worker: {threads: 8, idle_exit: 1m, reconnect_max: 1s}", "train: {steps: 301, checkpoint_every: 5, log_every: 1s}",
                       "eval:\n  overlays: 0", "fewshot:\n  cache: /tmp/other-cache", "coordinator:\n  min_workers: 4"] {
            let changed = try parseMinimal(change)
            XCTAssertNotEqual(changed, a, change)
            XCTAssertEqual(changed.digest, a.digest, change)
        }
        let moved = try ClusterConfig.parse(yaml: minimal, source: "test.yaml", baseDirectory: URL(filePath: "/elsewhere"))
        XCTAssertNotEqual(moved, a)
        XCTAssertEqual(moved.digest, a.digest, "absolute paths are not part of the digest")
    }

    func testEffectiveConfigurationTextReadsBackTheSame() throws {
        let full = try ClusterConfig.load(path: Fixtures.repositoryRoot.appendingPathComponent("cluster.yaml").path)
        var changed = full
        changed.coordinator.curve = .init(secretKey: URL(filePath: "/k/c.key_secret"), publicKey: URL(filePath: "/k/c.key"),
                                          authorizedWorkers: [URL(filePath: "/k/w1.key")])
        changed.coordinator.ipc = .ipc(path: "/tmp/u.sock")
        changed.backbone.layers = [2, 4]
        changed.fewShot.featureDType = .float16
        changed.train.epsilon = 1e-8
        for config in [full, changed, try parse(minimal)] {
            let text = config.yamlText
            let back = try ClusterConfig.parse(yaml: text, source: "effective", baseDirectory: URL(filePath: "/unused"))
            XCTAssertEqual(back, config, text)
            XCTAssertEqual(back.digest, config.digest)
        }
        // Every key of the schema appears in the text, the optional ones as null.
        XCTAssertTrue(full.yamlText.contains("  shots_file: null\n"), full.yamlText)
        XCTAssertTrue(full.yamlText.contains("  log_every: \"30s\"\n"), full.yamlText)
    }

    // MARK: Helpers

    func testClosestMatch() {
        XCTAssertEqual(KeySuggestion.editDistance("stpes", "steps"), 1)
        XCTAssertEqual(KeySuggestion.editDistance("", "abc"), 3)
        XCTAssertEqual(KeySuggestion.closest(to: "learnig_rate", in: ["learning_rate", "log_every"]), "learning_rate")
        XCTAssertNil(KeySuggestion.closest(to: "xyz", in: ["steps", "eps"]))
    }
}
