import Foundation
import Shared

/// Workers started on this host by `--local-workers N`, stopped when the run ends.
final class LocalWorkers {
    private var processes: [Process] = []

    /// The `ultraad-worker` executable next to this one.
    static var workerExecutable: URL {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let beside = me.deletingLastPathComponent().appendingPathComponent("ultraad-worker")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : URL(fileURLWithPath: "/usr/bin/env")
    }

    /// Starts `count` workers connecting to `endpoint` with the `worker:` settings.
    func start(count: Int, endpoint: String, settings: ClusterConfig.WorkerSettings,
               keys: (server: URL, secret: URL)? = nil) throws {
        for _ in 0..<count {
            let p = Process()
            let exe = Self.workerExecutable
            p.executableURL = exe
            let args = Self.arguments(endpoint: endpoint, settings: settings, keys: keys)
            p.arguments = exe.lastPathComponent == "env" ? ["ultraad-worker"] + args : args
            // Set before the worker starts, so it does not restart itself to get them.
            p.environment = Memory.computeEnvironment(blasThreads: settings.threads, base: ProcessInfo.processInfo.environment)
            try p.run()
            processes.append(p)
        }
    }

    /// The command line of a worker this process starts: the `worker:` settings act before
    /// any WELCOME, so they travel as flags; with this process's
    /// id the worker leaves when this process does, however it ends.
    static func arguments(endpoint: String, settings: ClusterConfig.WorkerSettings,
                          keys: (server: URL, secret: URL)?) -> [String] {
        var args = ["--connect", endpoint, "--threads", String(settings.threads),
                    "--idle-exit", String(settings.idleExit.seconds), "--reconnect-max", String(settings.reconnectMax.seconds),
                    "--feature-memory", settings.featureMemory?.description ?? "none", "--parent-pid", String(getpid())]
        if let keys { args += ["--server-key", keys.server.path, "--key", keys.secret.path] }
        return args
    }

    /// Waits up to `grace` seconds for the workers to leave after BYE, then stops them.
    func stop(grace: Double = 5) {
        let deadline = Date().addingTimeInterval(grace)
        for p in processes {
            while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if p.isRunning { p.terminate() }
        }
        processes.removeAll()
    }

    deinit { stop(grace: 0) }
}
