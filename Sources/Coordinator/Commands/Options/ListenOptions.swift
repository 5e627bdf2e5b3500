import ArgumentParser
import Foundation
import Shared

/// Flags that override where and how the coordinator listens (`coordinator:`).
struct ListenOptions: ParsableArguments {
    private static let d = ClusterConfig.CoordinatorSettings()

    @Option(help: ArgumentHelp("Endpoint to bind: tcp://HOST:PORT (PORT * picks a free one) or ipc:///path (coordinator.bind; default \(d.bind)).")) var bind: String?
    @Option(help: "An extra ipc:///path endpoint for workers on this host (coordinator.ipc).") var ipc: String?
    @Option(help: ArgumentHelp("Seconds of silence after which a worker is dead (coordinator.worker_timeout; default \(d.workerTimeout.seconds)).")) var workerTimeout: Double?
    @Option(help: ArgumentHelp("Seconds between heartbeats (coordinator.heartbeat; default \(d.heartbeat.seconds)).")) var heartbeat: Double?
    @Flag(help: "Allow binding a non-loopback address without CURVE encryption (coordinator.allow_insecure).") var allowInsecure = false

    func apply(to c: inout ClusterConfig) throws {
        do {
            if let bind { c.coordinator.bind = try .init(parsing: bind) }
            if let ipc { c.coordinator.ipc = try .init(parsing: ipc) }
        } catch {
            throw ValidationError("--bind/--ipc: \(error.reason)")
        }
        if let workerTimeout { c.coordinator.workerTimeout = .seconds(workerTimeout) }
        if let heartbeat { c.coordinator.heartbeat = .seconds(heartbeat) }
        if allowInsecure { c.coordinator.allowInsecure = true }
    }
}
