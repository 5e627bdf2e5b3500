import Foundation
import Shared

/// The run folder: metrics.jsonl (one JSON line per step), checkpoints/, the endpoint
/// the coordinator listens on (for workers started by scripts and tests).
struct RunFolder {
    let url: URL
    var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    var endpointFile: URL { url.appendingPathComponent("coordinator.endpoint") }

    init(_ url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
    }

    func checkpointURL(step: Int) -> URL {
        checkpoints.appendingPathComponent(String(format: "step-%08d.safetensors", step))
    }

    /// The checkpoint with the highest step, if any.
    func latestCheckpoint() -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }.sorted().last
            .map { checkpoints.appendingPathComponent($0) }
    }

    /// Appends one line to metrics.jsonl (created on first use).
    func appendMetrics(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        data.append(0x0A)
        if !FileManager.default.fileExists(atPath: metrics.path) {
            _ = FileManager.default.createFile(atPath: metrics.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: metrics)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    func writeEndpoint(_ endpoint: String) throws {
        if let failure = AtomicFile.write(Array((endpoint + "\n").utf8), to: endpointFile, durable: false) {
            throw CoordinatorError.run("cannot write \(endpointFile.path): \(failure)")
        }
    }
}
