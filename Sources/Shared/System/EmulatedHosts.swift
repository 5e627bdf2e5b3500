import Foundation

/// An emulated cluster made by scripts/cluster/emulate (see that script): hosts node0 ...
/// nodeN-1 on this machine, each with its own network, hostname and /dev/shm, joined by
/// veth links to a bridge. Used by `ultraad bench scale` and the emulated-cluster tests.
/// Started with this process as its owner, so the script's watchdog stops it should this
/// process die; `stop()` (or deinit) ends it.
public final class EmulatedHosts {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let script: URL
    public let dir: URL
    /// Host name to address (node0 -> 10.231.0.1), in host order.
    public private(set) var hosts: [(name: String, address: String)] = []
    private var running = false

    /// Why this machine cannot run the emulation (not root, a tool missing), or nil.
    /// `measuring`: `measure` is needed too (iperf3).
    public static func unavailableReason(measuring: Bool = false) -> String? {
        guard getuid() == 0 else { return "the emulated cluster needs root (network, UTS and mount namespaces)" }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for tool in ["unshare", "nsenter", "ip", "tc", "setsid"] + (measuring ? ["iperf3"] : [])
        where !path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }) {
            return "the emulated cluster needs \(tool), which is not installed (Debian: iproute2, util-linux, iperf3)"
        }
        return nil
    }

    /// Starts `count` hosts in `dir`, every link limited to `link` (a tc rate such as
    /// 200mbit) in both directions when given.
    public init(script: URL, count: Int, link: String?, dir: URL) throws {
        self.script = script
        self.dir = dir
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw Failure(description: "\(script.path) is not an executable file (run from the repository, or say where it is)")
        }
        var args = ["start", dir.path, "--hosts", "\(count)", "--owner", "\(getpid())"]
        if let link { args += ["--link", link] }
        let (status, output) = try Subprocess.run(script, args)
        guard status == 0 else { throw Failure(description: "scripts/cluster/emulate start: \(output)") }
        running = true
        hosts = try String(contentsOf: dir.appendingPathComponent("hosts.list"), encoding: .utf8)
            .split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return (String(parts[0]), String(parts[1]))
            }
    }

    deinit { stop() }

    public func address(_ host: String) -> String? { hosts.first { $0.name == host }?.address }

    /// A process that runs `executable` with `arguments` on `host` (not yet started); its
    /// pid is the executable's own (the script execs it).
    public func process(_ executable: URL, _ arguments: [String], on host: String) -> Process {
        let p = Process()
        p.executableURL = script
        p.arguments = ["exec", dir.path, host, executable.path] + arguments
        return p
    }

    /// Runs a command on `host` to completion: its status and output.
    public func run(_ arguments: [String], on host: String) throws -> (Int32, String) {
        try Subprocess.run(script, ["exec", dir.path, host] + arguments)
    }

    /// Cuts (`up: false`) or restores a host's link.
    public func link(_ host: String, up: Bool) throws {
        let (status, output) = try Subprocess.run(script, ["link", dir.path, host, up ? "up" : "down"])
        guard status == 0 else { throw Failure(description: "scripts/cluster/emulate link \(host): \(output)") }
    }

    /// Bytes through `host`'s eth0 so far (received, sent: the kernel's counters, every
    /// header included), from /proc/net/dev inside its namespace.
    public func interfaceBytes(_ host: String) throws -> (received: Int, sent: Int) {
        let (status, text) = try run(["cat", "/proc/net/dev"], on: host)
        guard status == 0, let line = text.split(separator: "\n").first(where: { $0.contains("eth0:") }) else {
            throw Failure(description: "no eth0 counters on \(host): \(text)")
        }
        // "eth0: rx_bytes rx_packets ... (8 receive fields) tx_bytes ..."
        let fields = line.split(separator: ":")[1].split(separator: " ").compactMap { Int($0) }
        guard fields.count >= 9 else { throw Failure(description: "\(host): unexpected /proc/net/dev line \(line)") }
        return (fields[0], fields[8])
    }

    /// The TCP rate between two hosts, both ways, measured with iperf3 (Mbit/s).
    public func measure(_ a: String, _ b: String) throws -> (aToB: Double, bToA: Double) {
        let (status, output) = try Subprocess.run(script, ["measure", dir.path, a, b])
        // "node0->node1 191.2 Mbit/s, node1->node0 191.1 Mbit/s"
        let numbers = output.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
        guard status == 0, numbers.count == 2 else { throw Failure(description: "scripts/cluster/emulate measure: \(output)") }
        return (numbers[0], numbers[1])
    }

    public func stop() {
        guard running else { return }
        running = false
        _ = try? Subprocess.run(script, ["stop", dir.path])
    }
}
