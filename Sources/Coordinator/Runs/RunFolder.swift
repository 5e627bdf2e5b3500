import Foundation
import Shared

/// The run folder: metrics.jsonl (one JSON line per step), checkpoints/, the effective
/// configuration, and a session's files (`SessionFolder`).
struct RunFolder {
    let url: URL
    var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    /// Where a session of this run keeps its endpoint and local keys.
    var session: SessionFolder { SessionFolder(url: url) }
    /// The settings the last command ran with, cluster.yaml and flags together.
    var effectiveConfig: URL { url.appendingPathComponent("effective-config.yaml") }

    /// The layout this build reads and writes, recorded in `versionFile`.
    static let version = 2
    static let versionPrefix = "ultraad run folder version "
    var versionFile: URL { url.appendingPathComponent("run-folder-version") }

    /// Opens (or makes) a run folder. One of another version is refused with both versions
    /// named; one of UltraAD before run folders had versions (a pool, metrics or
    /// checkpoints, and no version file) counts as version 1.
    init(_ url: URL) throws {
        self.url = url
        let fm = FileManager.default
        if let text = try? String(contentsOf: versionFile, encoding: .utf8) {
            guard let found = Int(text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: Self.versionPrefix, with: "")) else {
                throw CoordinatorError.run("\(versionFile.path): not a run folder version (\(text.prefix(40)))")
            }
            guard found == Self.version else {
                throw CoordinatorError.run("\(url.path) is a run folder of version \(found); this build reads version \(Self.version): use a new run.folder, or the UltraAD that wrote it")
            }
        } else {
            let old = ["pool.safetensors", "metrics.jsonl", "shots.csv"].contains { fm.fileExists(atPath: url.appendingPathComponent($0).path) }
                || !((try? fm.contentsOfDirectory(atPath: checkpoints.path)) ?? []).isEmpty
            if old {
                throw CoordinatorError.run("\(url.path) is a run folder of version 1 (written before run folders had a version file); this build reads version \(Self.version): use a new run.folder, or the UltraAD that wrote it")
            }
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            if let failure = AtomicFile.write(Array("\(Self.versionPrefix)\(Self.version)\n".utf8), to: versionFile, durable: false) {
                throw CoordinatorError.run("cannot write \(versionFile.path): \(failure)")
            }
        }
        try fm.createDirectory(at: checkpoints, withIntermediateDirectories: true)
    }

    func checkpointURL(step: Int) -> URL {
        checkpoints.appendingPathComponent(String(format: "step-%08d.safetensors", step))
    }

    /// The checkpoint with the highest step, if any.
    func latestCheckpoint() -> URL? { checkpointsNewestFirst().first }

    /// Every checkpoint, the highest step first.
    func checkpointsNewestFirst() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }.sorted().reversed()
            .map { checkpoints.appendingPathComponent($0) }
    }

    /// Makes metrics.jsonl hold exactly the steps before the first one this run will take.
    /// A run resumed from step N keeps lines 1...N and drops later ones (written by a run
    /// that died after its last checkpoint: they are computed again, and would otherwise
    /// appear twice); a fresh run moves an earlier run's file to metrics.jsonl.previous.
    /// Returns what it did, if anything.
    func startMetrics(afterStep step: Int) throws -> String? {
        guard let data = FileManager.default.contents(atPath: metrics.path), !data.isEmpty else { return nil }
        if step == 0 {
            let previous = url.appendingPathComponent("metrics.jsonl.previous")
            try? FileManager.default.removeItem(at: previous)
            try FileManager.default.moveItem(at: metrics, to: previous)
            return "an earlier run's metrics.jsonl is now \(previous.path)"
        }
        let lines = data.split(separator: 0x0A)
        let kept = lines.prefix { line in
            guard let record = try? JSONDecoder().decode(StepMetrics.self, from: Data(line)) else { return false }
            return record.step <= step
        }
        guard kept.count < lines.count else { return nil }
        var bytes = [UInt8]()
        for line in kept { bytes += line; bytes.append(0x0A) }
        if let failure = AtomicFile.write(bytes, to: metrics, durable: true) {
            throw CoordinatorError.run("cannot rewrite \(metrics.path): \(failure)")
        }
        return "metrics.jsonl: kept steps up to \(step), dropped \(lines.count - kept.count) line(s) after it (they are computed again)"
    }

    /// Appends one line to metrics.jsonl (created on first use).
    func appendMetrics(_ record: StepMetrics) throws {
        var data = try record.encodedLine()
        data.append(0x0A)
        if !FileManager.default.fileExists(atPath: metrics.path) {
            _ = FileManager.default.createFile(atPath: metrics.path, contents: nil)
        }
        do {
            let handle = try FileHandle(forWritingTo: metrics)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            let reason = "\(error.localizedDescription)"
            throw CoordinatorError.run("cannot append to \(metrics.path): \(reason)\(AtomicFile.freeSpaceNote(reason, folder: url))")
        }
    }

    func writeEffectiveConfig(_ config: ClusterConfig) throws {
        if let failure = AtomicFile.write(Array(config.yamlText.utf8), to: effectiveConfig, durable: false) {
            throw CoordinatorError.run("cannot write \(effectiveConfig.path): \(failure)")
        }
    }
}
