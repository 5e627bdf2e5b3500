import Foundation
import XCTest

/// An emulated cluster (scripts/cluster/emulate): hosts node0 ... nodeN-1, each with its
/// own network, hostname and /dev/shm, joined by veth links to a bridge. Started with this
/// test process as its owner (its watchdog stops it if the process dies); `stop()` ends it.
final class EmulatedCluster {
    static var script: URL { Fixtures.repositoryRoot.appendingPathComponent("scripts/cluster/emulate") }

    let dir: URL
    /// Host name to address, e.g. node0 -> 10.231.0.1.
    private(set) var addresses: [String: String] = [:]
    private var started = false

    /// Why this machine cannot run an emulated cluster, or nil.
    static var missing: String? {
        guard getuid() == 0 else { return "the emulated cluster needs root (network, UTS and mount namespaces); run scripts/test as root" }
        for tool in ["unshare", "nsenter", "ip", "tc", "setsid"] where which(tool) == nil {
            return "the emulated cluster needs \(tool), which is not installed"
        }
        return nil
    }

    /// Starts `hosts` hosts (links limited to `link`, a tc rate, when given) in `dir`.
    init(hosts: Int, link: String? = nil, dir: URL) throws {
        self.dir = dir
        if let reason = Self.missing { throw missingPrerequisite(reason) }
        var args = ["start", dir.path, "--hosts", "\(hosts)", "--owner", "\(getpid())"]
        if let link { args += ["--link", link] }
        let (status, output) = try runProcess(Self.script, args)
        guard status == 0 else { throw missingPrerequisite("scripts/cluster/emulate start failed: \(output)") }
        started = true
        for line in try String(contentsOf: dir.appendingPathComponent("hosts.list"), encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ")
            addresses[String(parts[0])] = String(parts[1])
        }
    }

    deinit { stop() }

    func address(_ host: String) -> String { addresses[host] ?? "?" }

    /// Starts `executable` on `host` through `procs` (its output in `log`).
    @discardableResult
    func start(_ executable: URL, _ arguments: [String], on host: String, log: String, procs: Processes) throws -> Process {
        try procs.start(Self.script, ["exec", dir.path, host, executable.path] + arguments, log: log)
    }

    /// Runs a command on `host` to completion.
    func run(_ arguments: [String], on host: String) throws -> (Int32, String) {
        try runProcess(Self.script, ["exec", dir.path, host] + arguments)
    }

    /// Cuts (`up: false`) or restores a host's link.
    func link(_ host: String, up: Bool) throws {
        let (status, output) = try runProcess(Self.script, ["link", dir.path, host, up ? "up" : "down"])
        XCTAssertEqual(status, 0, output)
    }

    /// Bytes that crossed a host's eth0 (received, sent), from /proc/net/dev in its namespace.
    func interfaceBytes(_ host: String) throws -> (received: Int, sent: Int) {
        let (status, text) = try run(["cat", "/proc/net/dev"], on: host)
        guard status == 0, let line = text.split(separator: "\n").first(where: { $0.contains("eth0:") }) else {
            throw PrerequisiteMissing(reason: "no eth0 counters on \(host): \(text)")
        }
        let fields = line.split(separator: ":")[1].split(separator: " ").compactMap { Int($0) }
        return (fields[0], fields[8])
    }

    func stop() {
        guard started else { return }
        started = false
        _ = try? runProcess(Self.script, ["stop", dir.path])
    }

    private static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
