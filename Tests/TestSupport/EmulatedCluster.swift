import Foundation
import XCTest
import Shared

/// The tests' handle on an emulated cluster (`EmulatedHosts`, scripts/cluster/emulate):
/// a machine that cannot run one is a skip that says why (a failure when CI=true), and
/// processes on the hosts are started through `Processes`, their output in its folder.
final class EmulatedCluster {
    static var script: URL { Fixtures.repositoryRoot.appendingPathComponent("scripts/cluster/emulate") }

    let hosts: EmulatedHosts
    var dir: URL { hosts.dir }

    /// Starts `count` hosts (links limited to `link`, a tc rate, when given) in `dir`.
    init(hosts count: Int, link: String? = nil, dir: URL) throws {
        if let reason = EmulatedHosts.unavailableReason() { throw missingPrerequisite(reason + "; run scripts/test as root") }
        do {
            hosts = try EmulatedHosts(script: Self.script, count: count, link: link, dir: dir)
        } catch let failure as EmulatedHosts.Failure {
            throw missingPrerequisite(failure.description)
        }
    }

    func address(_ host: String) -> String { hosts.address(host) ?? "?" }

    /// Starts `executable` on `host` through `procs` (its output in `log`).
    @discardableResult
    func start(_ executable: URL, _ arguments: [String], on host: String, log: String, procs: Processes) throws -> Process {
        let p = hosts.process(executable, arguments, on: host)
        return try procs.start(try XCTUnwrap(p.executableURL), p.arguments ?? [], log: log)
    }

    /// Runs a command on `host` to completion.
    func run(_ arguments: [String], on host: String) throws -> (Int32, String) { try hosts.run(arguments, on: host) }

    /// Cuts (`up: false`) or restores a host's link.
    func link(_ host: String, up: Bool) throws { try hosts.link(host, up: up) }

    /// Bytes through a host's eth0 (received, sent).
    func interfaceBytes(_ host: String) throws -> (received: Int, sent: Int) { try hosts.interfaceBytes(host) }

    func stop() { hosts.stop() }
}
