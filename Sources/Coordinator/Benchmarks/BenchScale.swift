import ArgumentParser
import Foundation
import Shared

extension Bench {
    struct ScaleBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scale",
            abstract: "Step time and the coordinator's traffic against the host count, on an emulated cluster.",
            discussion: """
            Starts an emulated cluster (scripts/cluster/emulate, root only) of one host more than the largest --hosts, every link limited to --link in both directions, and measures the links' TCP rate once with iperf3. For each host count H it runs the real coordinator (`ultraad train`) on node0, bound to node0's address, and one real worker on each of node1 ... nodeH, each host with its own network and /dev/shm, so every byte crosses node0's link. The workers' arithmetic is replaced by a fixed delay of --compute-ms per chunk (`ultraad-worker --compute-ms`), so that 16 workers can share this machine's cores; everything else is real: the head of ViT-L/14@336 (d = 768, D = 1024, r = 128, 4 layers, 9.9 MB of parameters), a pool of --pool-views ViT-L-sized views (16.9 MB each with its mask, one view per image, two classes), the bank, PARAMS, TASK with features, GRAD.

            The hosts share this machine's file system, so by default each worker reads the query views it needs from the pool file itself and the coordinator sends only a CRC of each (protocol 6); --pool-readers 0 makes the coordinator send every view, as a cluster without a shared file system would, and a count between has the other workers fetch their views from the readers through the relay (protocol 9).

            Each episode is --queries-per-class queries of each class in chunks of --chunk-size (default 8 of each in chunks of 1: 16 chunks, so that 16 workers each get a block). Phase `first` is step 1 (every worker is sent the bank and the features of its queries); phase `steady` is the median of steps 2 to --steps. A worker keeps the views it has been given, but with random episodes it keeps meeting views it has not seen for a long time (about H ln(V) steps), so the steady steps still give out new views: the features column counts those sent by the coordinator, the read column those the workers read from the pool.

            The workers relay (`ultraad-worker --relay-bind tcp://*:*`, protocol 7): with two or more, each step's parameters reach the coordinator's link once and its gradient once, the workers passing segments on to each other; --no-relay sends every vector through the coordinator, as before protocol 7. The relay column is the number of workers a step went through the relay with.

            The ideal step, the same for both phases, is the compute of the slowest worker (the step's blocks dealt out evenly) plus one parameter transfer and one gradient transfer at the measured link rate. Bytes in and out are the coordinator's own count of message bytes per step (metrics.jsonl: bytes_in, bytes_out); after each host count, node0's interface counters over the whole run are compared with the count (headers, ZMTP framing and TCP acknowledgements make them a few percent larger).

            With --json, one JSON object per host count and phase on standard output (fields hosts, phase, step_s, ideal_s, coordinator_bytes_in, coordinator_bytes_out per step, and more); progress goes to standard error.

            Example: sudo .build/release/ultraad bench scale --hosts 1,2,4,8,16 --link 200mbit
            """)

        @Option(parsing: .upToNextOption, help: "Worker host counts to measure, e.g. 1 2 4 or 1,2,4.")
        var hosts: [String] = ["1,2,4,8,16"]
        @Option(help: "Rate of every link, both directions (a tc rate: 100mbit, 200mbit, 1gbit).")
        var link = "200mbit"
        @Option(help: "The workers' fixed compute time per chunk, in milliseconds.")
        var computeMs: Double = 50
        @Option(help: "Views in the ViT-L-sized pool (16.9 MB each; each worker may end up holding all of them).")
        var poolViews = 48
        @Option(help: "Steps per host count: step 1 is `first`, the rest `steady`.")
        var steps = 6
        @Option(help: ArgumentHelp("Queries of each of the two classes per episode (at most --pool-views / 2, and at most fewshot.shots, \(Self.shots), as `train` requires)."))
        var queriesPerClass = 8
        @Option(help: "Queries per chunk.")
        var chunkSize = 1
        @Option(help: "The emulation script.")
        var emulator = "scripts/cluster/emulate"
        @Option(help: ArgumentHelp("How many workers read the pool file (those on the first hosts); the others start with --no-pool-reads, as on nodes without the shared file system.",
                                   discussion: "Default: all. 0: the coordinator sends every query view, as before protocol 6. Between: the others fetch their views from a reader through the relay (protocol 9), or are sent them with --no-relay."))
        var poolReaders: Int?
        @Flag(help: "Start the workers with --no-relay: the coordinator sends every worker the parameters and receives every gradient itself, as before protocol 7.")
        var noRelay = false
        @Flag(help: "Print one JSON object per host count and phase instead of the table.")
        var json = false

        /// fewshot.shots' default: `train` draws no more queries per class than that.
        private static let shots = ClusterConfig.FewShotSettings(cache: URL(fileURLWithPath: "/")).shots

        var hostCounts: [Int] { hosts.flatMap { $0.split(separator: ",") }.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

        func validate() throws {
            let counts = hosts.flatMap { $0.split(separator: ",") }
            guard !counts.isEmpty, counts.count == hostCounts.count, hostCounts.allSatisfy({ (1...64).contains($0) }) else {
                throw ValidationError("--hosts takes host counts from 1 to 64, e.g. 1,2,4,8,16")
            }
            guard steps >= 2 else { throw ValidationError("--steps must be at least 2 (step 1 is the first phase)") }
            guard computeMs >= 0 else { throw ValidationError("--compute-ms must be at least 0") }
            if let poolReaders, poolReaders < 0 { throw ValidationError("--pool-readers must be at least 0") }
            guard poolViews >= 2, queriesPerClass >= 1, queriesPerClass <= min(poolViews / 2, Self.shots), chunkSize >= 1 else {
                throw ValidationError("--pool-views must be at least 2, and --queries-per-class between 1 and the smaller of --pool-views / 2 and \(Self.shots)")
            }
            if let reason = EmulatedHosts.unavailableReason(measuring: true) { throw ValidationError("bench scale: \(reason)") }
        }

        func run() throws {
            bootstrapLogging()
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ultraad-scale-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let problem = ScaleProblem(poolViews: poolViews, queriesPerClass: queriesPerClass, chunkSize: chunkSize)
            note("writing a pool of \(poolViews) ViT-L views")
            let poolFile = dir.appendingPathComponent("pool.safetensors")
            try problem.writePool(to: poolFile)
            let cluster = try EmulatedHosts(script: URL(fileURLWithPath: emulator), count: (hostCounts.max() ?? 1) + 1,
                                            link: link, dir: dir.appendingPathComponent("cluster"))
            defer { cluster.stop() }
            let measured = try cluster.measure("node0", "node1")
            let mbits = min(measured.aToB, measured.bToA)
            note(String(format: "links: %@ set, %.1f Mbit/s measured (iperf3, node0 -> node1 %.1f, back %.1f)",
                        link, mbits, measured.aToB, measured.bToA))
            let rate = mbits * 1e6 / 8
            if !json {
                print("hosts  phase   step s   ideal s  x ideal  MB in/step  MB out/step  features/step  read/step  relayed/step  relay")
            }
            for h in hostCounts {
                note("hosts \(h): \(steps) steps")
                let folder = dir.appendingPathComponent("h\(h)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let result = try ScaleRun(cluster: cluster, hosts: h, pool: poolFile, folder: folder, steps: steps,
                                          queriesPerClass: queriesPerClass, chunkSize: chunkSize, computeMs: computeMs,
                                          poolReaders: min(poolReaders ?? h, h), relays: !noRelay).execute()
                let ideal = problem.compute(hosts: h, ms: computeMs) + 2 * Double(problem.parameterBytes) / rate
                let counted = (received: result.steps.map(\.bytesIn).reduce(0, +), sent: result.steps.map(\.bytesOut).reduce(0, +))
                let check = (received: Double(result.interface.received) / Double(max(1, counted.received)),
                             sent: Double(result.interface.sent) / Double(max(1, counted.sent)))
                for (phase, lines) in [("first", Array(result.steps.prefix(1))), ("steady", Array(result.steps.dropFirst()))] {
                    let row = ScaleRow(hosts: h, phase: phase, steps: lines.count, stepSeconds: median(lines.map(\.seconds)),
                                       idealSeconds: ideal, bytesIn: median(lines.map { Double($0.bytesIn) }),
                                       bytesOut: median(lines.map { Double($0.bytesOut) }),
                                       features: median(lines.map { Double($0.featuresSent) }),
                                       featuresRead: median(lines.map { Double($0.featuresRead) }),
                                       featuresRelayed: median(lines.map { Double($0.featuresRelayed) }),
                                       relayMembers: median(lines.map { Double($0.relayMembers) }), linkMbits: mbits,
                                       interfaceToCountedIn: check.received, interfaceToCountedOut: check.sent)
                    print(json ? try row.jsonLine() : row.tableLine)
                }
                let line = String(format: "  node0 eth0 over the run: received %.1f MB (%.3fx the coordinator's count), sent %.1f MB (%.3fx)",
                                  Double(result.interface.received) / 1e6, check.received, Double(result.interface.sent) / 1e6, check.sent)
                if json { note(line) } else { print(line) }
            }
        }

        private func note(_ text: String) { FileHandle.standardError.write(Data("bench scale: \(text)\n".utf8)) }
    }
}

/// One row of `bench scale`: a host count and phase (JSON field names as documented).
struct ScaleRow: Encodable {
    var hosts: Int
    var phase: String
    var steps: Int
    var stepSeconds: Double
    var idealSeconds: Double
    var bytesIn: Double
    var bytesOut: Double
    var features: Double
    var featuresRead: Double
    var featuresRelayed: Double
    var relayMembers: Double
    var linkMbits: Double
    var interfaceToCountedIn: Double
    var interfaceToCountedOut: Double

    enum CodingKeys: String, CodingKey {
        case hosts, phase, steps, stepSeconds = "step_s", idealSeconds = "ideal_s", bytesIn = "coordinator_bytes_in"
        case bytesOut = "coordinator_bytes_out", features = "features_per_step", featuresRead = "features_read_per_step", linkMbits = "link_mbit_s"
        case featuresRelayed = "features_relayed_per_step", relayMembers = "relay_members"
        case interfaceToCountedIn = "interface_to_counted_in", interfaceToCountedOut = "interface_to_counted_out"
    }

    var tableLine: String {
        String(format: "%-6d ", hosts) + phase.padding(toLength: 8, withPad: " ", startingAt: 0)
            + String(format: "%-8.2f %-8.2f %-8.2f %-11.1f %-12.1f %-14.1f %-10.1f %-13.1f %.0f", stepSeconds, idealSeconds,
                     stepSeconds / idealSeconds, bytesIn / 1e6, bytesOut / 1e6, features, featuresRead, featuresRelayed, relayMembers)
    }

    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
