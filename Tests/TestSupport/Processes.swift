import Foundation
import Shared

/// The folder holding the built executables (next to the test bundle).
var productsDirectory: URL? {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
    }
    return Bundle.main.bundleURL
}

/// Runs an executable to completion; returns its exit status and combined output.
/// `environment` replaces the inherited environment when given.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
    try Subprocess.run(executable, arguments, environment: environment)
}

/// Processes started in the background, their output in files, stopped at the end.
final class Processes {
    var all: [Process] = []
    let dir: URL

    init(dir: URL) { self.dir = dir }

    @discardableResult
    func start(_ exe: URL, _ args: [String], log name: String) throws -> Process {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        let logURL = dir.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        all.append(p)
        return p
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    func stopAll() {
        for p in all where p.isRunning { p.terminate() }
        for p in all { p.waitUntilExit() }
    }
}

/// Polls `condition` every 20 ms for up to `timeout` seconds.
func eventually(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

func waitForExit(_ p: Process, timeout: Double) -> Bool {
    eventually(timeout) { !p.isRunning }
}
