import Foundation
import XCTest
@testable import Coordinator
@testable import Shared
@testable import TestSupport

/// The run folder (Runs/RunFolder.swift): checkpoint names, the latest checkpoint,
/// metrics.jsonl when a run starts or resumes, the endpoint file.
final class RunFolderTests: XCTestCase {
    func folder() throws -> RunFolder {
        try RunFolder(temporaryFolder(self, prefix: "ultraad-runfolder").appendingPathComponent("run"))
    }

    /// metrics.jsonl lines for `steps`, as appendMetrics writes them.
    func writeMetrics(_ run: RunFolder, steps: ClosedRange<Int>) throws {
        for s in steps { try run.appendMetrics(Self.record(step: s)) }
    }

    func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// The text `writeMetrics` writes for `steps`.
    static func lines(_ steps: ClosedRange<Int>) throws -> String {
        try steps.map { String(decoding: try record(step: $0).encodedLine(), as: UTF8.self) + "\n" }.joined()
    }

    static func record(step: Int) -> StepMetrics {
        var loss = LossParts()
        loss.focal = Double(step) / 4
        return StepMetrics(step: step, loss: loss, queries: 4, chunks: 2, workers: 1, blocks: 2, featuresSent: 0, featuresRead: 3, featuresRelayed: 0, featureHits: 5, featureMisses: 3,
                           seconds: 0.5, computeSeconds: 0.25, criticalComputeSeconds: 0.25,
                           bankSendsPerWorker: ["w": 1], rejected: [:], lateResults: 0, bytesIn: 100, bytesOut: 200)
    }

    func touch(_ url: URL) {
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data([1])), url.path)
    }

    /// A run folder records its layout version; another version, or a folder of the
    /// layout before versions (a pool or checkpoints and no version file), is refused
    /// with both versions named.
    func testTheRunFolderVersionIsWrittenAndChecked() throws {
        let run = try folder()
        XCTAssertEqual(try text(run.versionFile), "ultraad run folder version 2\n")
        XCTAssertNoThrow(try RunFolder(run.url), "a folder of this version opens again")
        try "ultraad run folder version 3\n".write(to: run.versionFile, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder(run.url)) { error in
            XCTAssertEqual("\(error)", "\(run.url.path) is a run folder of version 3; this build reads version 2: use a new run.folder, or the UltraAD that wrote it")
        }
        let old = run.url.deletingLastPathComponent().appendingPathComponent("old")
        try FileManager.default.createDirectory(at: old.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        touch(old.appendingPathComponent("checkpoints/step-00000010.safetensors"))
        XCTAssertThrowsError(try RunFolder(old)) { error in
            XCTAssertEqual("\(error)", "\(old.path) is a run folder of version 1 (written before run folders had a version file); this build reads version 2: use a new run.folder, or the UltraAD that wrote it")
        }
        let config = run.url.deletingLastPathComponent().appendingPathComponent("with-config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        touch(config.appendingPathComponent("cluster.yaml"))
        XCTAssertNoThrow(try RunFolder(config), "other files do not make a folder an old run folder")
    }

    func testTheFolderAndItsFiles() throws {
        let run = try folder()
        var isFolder: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.checkpoints.path, isDirectory: &isFolder))
        XCTAssertTrue(isFolder.boolValue)
        XCTAssertEqual(run.checkpoints.lastPathComponent, "checkpoints")
        XCTAssertEqual(run.metrics, run.url.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(run.checkpointURL(step: 12), run.checkpoints.appendingPathComponent("step-00000012.safetensors"))
        XCTAssertEqual(run.checkpointURL(step: 123_456_789).lastPathComponent, "step-123456789.safetensors")
        try run.session.writeEndpoint("tcp://127.0.0.1:5555")
        XCTAssertEqual(try text(run.session.endpointFile), "tcp://127.0.0.1:5555\n")
        XCTAssertEqual(run.session.endpointFile, run.url.appendingPathComponent("coordinator.endpoint"))
    }

    func testLatestCheckpointIsTheHighestStep() throws {
        let run = try folder()
        XCTAssertNil(run.latestCheckpoint())
        for name in ["step-00000005.safetensors", "step-00000010.safetensors", "step-00000002.safetensors",
                     "step-00000099.safetensors.tmp", "other.safetensors", "notes.txt"] {
            touch(run.checkpoints.appendingPathComponent(name))
        }
        XCTAssertEqual(run.latestCheckpoint(), run.checkpointURL(step: 10))
        touch(run.checkpointURL(step: 100))
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, "step-00000100.safetensors")
    }

    /// A line of the first version (no features_read, hits, misses, bytes or relay
    /// members): read with those at 0, so a run resumed across versions keeps its curve.
    func testALineOfTheFirstVersionIsReadWithTheLaterCountersAtZero() throws {
        let run = try folder()
        let old = "{\"bank_sends\":1,\"bank_sends_per_worker\":{\"w\":1},\"bce\":0,\"blocks\":2,\"ce\":0,\"chunks\":2,\"compute_seconds\":0.25,\"critical_compute_seconds\":0.25,\"dice\":0,\"episodes_per_s\":2,\"features_sent\":7,\"focal\":0.25,\"late_results\":0,\"loss\":0.25,\"queries\":4,\"rejected\":{},\"seconds\":0.5,\"step\":1,\"workers\":1}\n"
        try old.write(to: run.metrics, atomically: true, encoding: .utf8)
        let read = try XCTUnwrap(try StepMetrics.read(run.metrics).first)
        XCTAssertEqual(read.featuresSent, 7)
        XCTAssertEqual([read.featuresRead, read.featuresRelayed, read.featureHits, read.featureMisses,
                        read.bytesIn, read.bytesOut, read.relayMembers], [0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try JSONDecoder().decode(StepMetrics.self, from: Data("{\"step\":1}".utf8)), "the first version's fields stay required")
    }

    func testAppendMetricsWritesOneSortedJSONLinePerCall() throws {
        let run = try folder()
        try writeMetrics(run, steps: 1...2)
        let lines = try text(run.metrics).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[2], "")
        XCTAssertEqual(String(lines[0]), "{\"bank_sends\":1,\"bank_sends_per_worker\":{\"w\":1},\"bce\":0,\"blocks\":2,\"bytes_in\":100,\"bytes_out\":200,\"ce\":0,\"chunks\":2,\"compute_seconds\":0.25,\"critical_compute_seconds\":0.25,\"dice\":0,\"episodes_per_s\":2,\"feature_hits\":5,\"feature_misses\":3,\"features_read\":3,\"features_relayed\":0,\"features_sent\":0,\"focal\":0.25,\"late_results\":0,\"loss\":0.25,\"queries\":4,\"rejected\":{},\"relay_members\":0,\"seconds\":0.5,\"step\":1,\"workers\":1}")
        XCTAssertEqual(try StepMetrics.read(run.metrics), [Self.record(step: 1), Self.record(step: 2)])
    }

    func testNoOrEmptyMetricsFileNeedsNothing() throws {
        let run = try folder()
        XCTAssertNil(try run.startMetrics(afterStep: 0))
        XCTAssertNil(try run.startMetrics(afterStep: 3))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.metrics.path))
        touch(run.metrics)
        try Data().write(to: run.metrics)
        XCTAssertNil(try run.startMetrics(afterStep: 0))
        XCTAssertEqual(try Data(contentsOf: run.metrics), Data())
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.appendingPathComponent("metrics.jsonl.previous").path))
    }

    func testAResumedRunKeepsTheLinesUpToItsStep() throws {
        let run = try folder()
        try writeMetrics(run, steps: 1...4)
        let all = try text(run.metrics)
        let message = try run.startMetrics(afterStep: 2)
        XCTAssertEqual(message, "metrics.jsonl: kept steps up to 2, dropped 2 line(s) after it (they are computed again)")
        XCTAssertEqual(try text(run.metrics), try Self.lines(1...2))
        XCTAssertTrue(all.hasPrefix(try text(run.metrics)))
        // Nothing after the step: the file stays as it is.
        XCTAssertNil(try run.startMetrics(afterStep: 2))
        XCTAssertNil(try run.startMetrics(afterStep: 9))
        XCTAssertEqual(try text(run.metrics), try Self.lines(1...2))
        // The next line goes after the kept ones.
        try writeMetrics(run, steps: 3...3)
        XCTAssertEqual(try text(run.metrics).split(separator: "\n").count, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.appendingPathComponent("metrics.jsonl.previous").path))
    }

    func testAResumedRunStopsKeepingAtALineItCannotRead() throws {
        let run = try folder()
        try writeMetrics(run, steps: 1...1)
        let handle = try FileHandle(forWritingTo: run.metrics)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("not json\n".utf8))
        try handle.close()
        try writeMetrics(run, steps: 2...2)
        XCTAssertEqual(try run.startMetrics(afterStep: 5),
                       "metrics.jsonl: kept steps up to 5, dropped 2 line(s) after it (they are computed again)")
        XCTAssertEqual(try text(run.metrics), try Self.lines(1...1))
    }

    func testAFreshRunMovesAnEarlierRunsFileToPrevious() throws {
        let run = try folder()
        let previous = run.url.appendingPathComponent("metrics.jsonl.previous")
        try "an older run\n".write(to: previous, atomically: true, encoding: .utf8)
        try writeMetrics(run, steps: 1...3)
        let earlier = try Data(contentsOf: run.metrics)
        XCTAssertEqual(try run.startMetrics(afterStep: 0), "an earlier run's metrics.jsonl is now \(previous.path)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.metrics.path))
        XCTAssertEqual(try Data(contentsOf: previous), earlier, "replaces what was there")
        // The fresh run's lines start a new file.
        try writeMetrics(run, steps: 1...1)
        XCTAssertEqual(try text(run.metrics), try Self.lines(1...1))
    }
}
