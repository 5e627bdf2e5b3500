import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// TensorBoardWriter against PyTorch's SummaryWriter (Fixtures/tensorboard, made by
/// scripts/fixtures/make_tensorboard_fixture.py), and the TensorBoardEvents reader.
final class TensorBoardWriterTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensorboard-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - The fixture

    struct Call {
        let tag: String
        let value: Float
        let step: Int
        let wallTime: Double
    }

    struct FixtureCalls {
        let writerWallTime: Double
        let originalFileName: String
        let hostname: String
        let pid: Int
        let calls: [Call]
    }

    static var fixtureFile: URL { Fixtures.url("tensorboard/pytorch.tfevents") }

    func fixtureCalls() throws -> FixtureCalls {
        let json = try Fixtures.json("tensorboard/calls.json")
        let scalars = try XCTUnwrap(json["scalars"] as? [[String: Any]])
        let calls = try scalars.map { s in
            Call(tag: try XCTUnwrap(s["tag"] as? String),
                 // calls.json holds the Python floats; protobuf rounds them to float32 as Float(_:) does.
                 value: Float(try XCTUnwrap(s["value"] as? NSNumber).doubleValue),
                 step: try XCTUnwrap(s["step"] as? NSNumber).intValue,
                 wallTime: try XCTUnwrap(s["wall_time"] as? NSNumber).doubleValue)
        }
        return FixtureCalls(writerWallTime: try XCTUnwrap(json["writer_wall_time"] as? NSNumber).doubleValue,
                            originalFileName: try XCTUnwrap(json["original_file_name"] as? String),
                            hostname: try XCTUnwrap(json["hostname"] as? String),
                            pid: try XCTUnwrap(json["pid"] as? NSNumber).intValue,
                            calls: calls)
    }

    func fixtureBytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: Self.fixtureFile)) }

    func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// The offset of each record in `bytes` (walking the lengths, no checks).
    func recordOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            offsets.append(offset)
            let length = (0..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
            offset += 16 + length
        }
        return offsets
    }

    // MARK: - Writing is PyTorch's bytes

    /// The fixture's calls, one `add(tag:...)` each (PyTorch's add_scalar), give its bytes.
    func testScalarByScalarIsPyTorchsFile() throws {
        let f = try fixtureCalls()
        let writer = try TensorBoardWriter(folder: directory, wallTime: f.writerWallTime, hostname: f.hostname)
        for c in f.calls { try writer.add(tag: c.tag, value: c.value, step: c.step, wallTime: c.wallTime) }
        try writer.close()
        let ours = try bytes(writer.url), theirs = try fixtureBytes()
        XCTAssertEqual(ours.count, theirs.count)
        XCTAssertNil(zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset, "first differing byte")
        XCTAssertEqual(ours, theirs)
    }

    /// The same calls grouped by step, several scalars a call, give the same bytes: one
    /// Event per scalar, as PyTorch's sequence of add_scalar calls writes.
    func testGroupedScalarsArePyTorchsFile() throws {
        let f = try fixtureCalls()
        var groups: [[Call]] = []
        for c in f.calls {
            if let last = groups.last?.last, last.step == c.step, last.wallTime == c.wallTime {
                groups[groups.count - 1].append(c)
            } else {
                groups.append([c])
            }
        }
        XCTAssertLessThan(groups.count, f.calls.count, "the fixture has several scalars at one step")
        let writer = try TensorBoardWriter(folder: directory, wallTime: f.writerWallTime, hostname: f.hostname)
        for group in groups {
            try writer.add(scalars: group.map { ($0.tag, $0.value) }, step: group[0].step, wallTime: group[0].wallTime)
        }
        try writer.flush()
        XCTAssertEqual(try bytes(writer.url), try fixtureBytes())
    }

    /// The first record alone is PyTorch's file-version event, written and flushed by init.
    func testInitWritesTheFileVersionEvent() throws {
        let f = try fixtureCalls()
        let writer = try TensorBoardWriter(folder: directory, wallTime: f.writerWallTime, hostname: f.hostname)
        let theirs = try fixtureBytes()
        let firstRecord = Array(theirs[..<recordOffsets(theirs)[1]])
        XCTAssertEqual(try bytes(writer.url), firstRecord)
        // Queued scalars reach the file at flush, not before.
        try writer.add(tag: "loss/total", value: 1, step: 1, wallTime: f.writerWallTime)
        XCTAssertEqual(try bytes(writer.url), firstRecord)
        try writer.flush()
        XCTAssertEqual(try TensorBoardEvents.read(writer.url).count, 2)
    }

    // MARK: - File names

    func testFileNameFollowsPyTorchsPattern() throws {
        let f = try fixtureCalls()
        XCTAssertEqual(TensorBoardWriter.fileName(wallTime: f.writerWallTime, hostname: f.hostname, pid: f.pid, counter: 0),
                       f.originalFileName)
        XCTAssertEqual(TensorBoardWriter.fileName(wallTime: 999_999_999.9, hostname: "node-3.cluster", pid: 42, counter: 7),
                       "events.out.tfevents.0999999999.node-3.cluster.42.7")
        XCTAssertEqual(TensorBoardWriter.fileName(wallTime: 1, hostname: "a/b", pid: 1, counter: 0),
                       "events.out.tfevents.0000000001.a_b.1.0")

        let first = try TensorBoardWriter(folder: directory, wallTime: 1_767_225_600.75, hostname: "host")
        let second = try TensorBoardWriter(folder: directory, wallTime: 1_767_225_600.75, hostname: "host")
        let pattern = try NSRegularExpression(pattern: #"^events\.out\.tfevents\.1767225600\.host\.\#(getpid())\.(\d+)$"#)
        var counters: [Int] = []
        for url in [first.url, second.url] {
            XCTAssertEqual(url.deletingLastPathComponent().standardizedFileURL.path, directory.standardizedFileURL.path)
            let name = url.lastPathComponent
            let match = try XCTUnwrap(pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)), name)
            counters.append(Int(name[Range(match.range(at: 1), in: name)!])!)
        }
        XCTAssertGreaterThan(counters[1], counters[0], "each writer of a process takes the next number")
        XCTAssertFalse(TensorBoardWriter.hostname().isEmpty)
    }

    func testInitCreatesTheFolder() throws {
        let folder = directory.appendingPathComponent("RUN/tensorboard")
        let writer = try TensorBoardWriter(folder: folder, wallTime: 1_767_225_600)
        XCTAssertTrue(FileManager.default.fileExists(atPath: writer.url.path))
        XCTAssertTrue(writer.url.lastPathComponent.hasPrefix("events.out.tfevents.1767225600.\(TensorBoardWriter.hostname()).\(getpid())."))
    }

    // MARK: - Reading

    func testReaderReadsTheFixture() throws {
        let f = try fixtureCalls()
        let events = try TensorBoardEvents.read(Self.fixtureFile)
        XCTAssertEqual(events.count, f.calls.count + 1)
        XCTAssertEqual(events[0], TensorBoardEvent(wallTime: f.writerWallTime, step: 0, fileVersion: "brain.Event:2",
                                                   sourceWriter: "tensorboard.summary.writer.event_file_writer"))
        for (event, c) in zip(events.dropFirst(), f.calls) {
            XCTAssertEqual(event, TensorBoardEvent(wallTime: c.wallTime, step: c.step, scalars: [.init(tag: c.tag, value: c.value)]))
        }
    }

    /// What the writer writes, the reader gives back: negative and huge steps, NaN,
    /// infinities, -0.0, an empty tag, a non-ASCII tag, an empty batch.
    func testRoundTrip() throws {
        let writer = try TensorBoardWriter(folder: directory, wallTime: -0.0, hostname: "h")
        try writer.add(scalars: [("μ/ä", -.infinity), ("", .nan), ("x", -0.0)], step: -1, wallTime: 0)
        try writer.add(scalars: [], step: 5)
        try writer.add(tag: "big", value: .greatestFiniteMagnitude, step: .max, wallTime: 1e300)
        try writer.close()
        let events = try TensorBoardEvents.read(writer.url)
        XCTAssertEqual(events.count, 5)
        XCTAssertEqual(events[0].wallTime.bitPattern, (-0.0 as Double).bitPattern)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[1], TensorBoardEvent(wallTime: 0, step: -1, scalars: [.init(tag: "μ/ä", value: -.infinity)]))
        XCTAssertEqual(events[2].scalars.count, 1)
        XCTAssertEqual(events[2].scalars[0].tag, "")
        XCTAssertEqual(events[2].scalars[0].value.bitPattern, Float.nan.bitPattern)
        XCTAssertEqual(events[3].scalars[0].value.bitPattern, (-0.0 as Float).bitPattern)
        XCTAssertEqual(events[4], TensorBoardEvent(wallTime: 1e300, step: .max, scalars: [.init(tag: "big", value: .greatestFiniteMagnitude)]))
    }

    /// A session start (what a resumed run writes first): Event{wall_time, step,
    /// session_log{status: START}}, encoded by protobuf's rules (field 7, length 2, status
    /// field 1 = 1), and read back.
    func testSessionStart() throws {
        let event = TensorBoardEvent(wallTime: 12.5, step: 7, sessionStart: true)
        XCTAssertEqual(event.encoded(), [0x09] + withUnsafeBytes(of: (12.5 as Double).bitPattern.littleEndian, Array.init)
                       + [0x10, 0x07, 0x3A, 0x02, 0x08, 0x01])
        let writer = try TensorBoardWriter(folder: directory, wallTime: 1, hostname: "h")
        try writer.addSessionStart(step: 7, wallTime: 12.5)
        try writer.close()
        XCTAssertEqual(try TensorBoardEvents.read(writer.url).last, event)
    }

    func testDeinitFlushes() throws {
        var url: URL?
        do {
            let writer = try TensorBoardWriter(folder: directory, wallTime: 10)
            try writer.add(tag: "a", value: 1, step: 1, wallTime: 11)
            url = writer.url
        }
        XCTAssertEqual(try TensorBoardEvents.read(try XCTUnwrap(url)).map(\.step), [0, 1])
    }

    func testClosedWriterRefusesAndNamesTheFile() throws {
        let writer = try TensorBoardWriter(folder: directory, wallTime: 10)
        try writer.close()
        try writer.close()
        XCTAssertThrowsError(try writer.add(tag: "a", value: 1, step: 1)) { error in
            XCTAssertEqual(error as? TensorBoardError, .cannotWrite(file: writer.url.path, reason: "the writer is closed"))
        }
    }

    func testUncreatableFolderIsAnErrorNamingIt() throws {
        let blocker = directory.appendingPathComponent("file")
        try Data([1]).write(to: blocker)
        let folder = blocker.appendingPathComponent("tensorboard")
        XCTAssertThrowsError(try TensorBoardWriter(folder: folder)) { error in
            guard case let .cannotWrite(file, reason)? = error as? TensorBoardError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, folder.path)
            XCTAssertFalse(reason.isEmpty)
            XCTAssertTrue("\(error)".hasPrefix(folder.path + ": cannot write: "), "\(error)")
        }
    }

    // MARK: - Damage

    func assertDamaged(_ bytes: [UInt8], at offset: Int, _ mentioning: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = directory.appendingPathComponent("damaged.tfevents")
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try TensorBoardEvents.read(url), file: file, line: line) { error in
            guard case let .damagedRecord(path, at, reason)? = error as? TensorBoardError else {
                return XCTFail("not a damaged record: \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, url.path, file: file, line: line)
            XCTAssertEqual(at, offset, "\(error)", file: file, line: line)
            XCTAssertTrue(reason.contains(mentioning), "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): record at byte \(offset): "), "\(error)", file: file, line: line)
        }
    }

    /// A flipped bit anywhere in the file (length, its CRC, data, data CRC of any record) is
    /// an error at that record's offset; in memory, then once through a file.
    func testEveryFlippedBitIsCaughtAtItsRecord() throws {
        let original = try fixtureBytes()
        let offsets = recordOffsets(original)
        XCTAssertEqual(offsets.count, 13)
        var flipped = original
        flipped[offsets[3] + 20] ^= 0x10
        try assertDamaged(flipped, at: offsets[3], "CRC of its")
        flipped = original
        flipped[offsets[5] + 2] ^= 0x01
        try assertDamaged(flipped, at: offsets[5], "CRC of the length")
        for position in original.indices {
            let record = offsets.last { $0 <= position }!
            for bit in [0, 3, 7] {
                var bytes = original
                bytes[position] ^= 1 << bit
                // A damaged length fails its CRC before it is used.
                let expected = position - record < 12 ? "CRC of the length" : "CRC of its"
                XCTAssertThrowsError(try TensorBoardEvents.read(bytes, file: "f")) { error in
                    guard case let .damagedRecord("f", at, reason)? = error as? TensorBoardError, at == record, reason.contains(expected) else {
                        return XCTFail("byte \(position) bit \(bit): \(error)")
                    }
                }
            }
        }
    }

    func testTruncatedFileIsCaughtAtItsLastRecord() throws {
        let original = try fixtureBytes()
        let offsets = recordOffsets(original)
        let last = offsets.last!
        for cut in [last + 1, last + 11, last + 12, last + 13, original.count - 4, original.count - 1] {
            try assertDamaged(Array(original[..<cut]), at: last, "cut short")
        }
        // Cut at a record boundary, the file is whole records.
        XCTAssertEqual(try TensorBoardEvents.read(Array(original[..<last]), file: "f").count, offsets.count - 1)
        XCTAssertEqual(try TensorBoardEvents.read([], file: "f").count, 0)
    }

    /// Records whose CRCs are right but whose data is not an Event.
    func testMalformedEventIsCaught() throws {
        func record(_ data: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            TensorBoardRecord.append(data, to: &out)
            return out
        }
        let good = record(TensorBoardEvent(wallTime: 1, step: 2, scalars: [.init(tag: "a", value: 1)]).encoded())
        try assertDamaged(good + record([0x08]), at: good.count, "varint runs past")
        try assertDamaged(good + record([0x0A, 0x05, 0x00]), at: good.count, "past the end of the message")
        try assertDamaged(good + record([0x09, 0x00]), at: good.count, "8-byte field")
        try assertDamaged(good + record([0x0B]), at: good.count, "wire type 3")
        try assertDamaged(good + record([0x10] + [UInt8](repeating: 0xFF, count: 10) + [0x01]), at: good.count, "longer than 10 bytes")
        try assertDamaged(good + record([0x1A, 0x01, 0xFF]), at: good.count, "file_version is not UTF-8")
        try assertDamaged(good + record([0x10, 0x00, 0x08, 0x00]), at: good.count, "wrong wire type")
        // Unknown fields are skipped (a log_message, field 6).
        XCTAssertEqual(try TensorBoardEvents.read(good + record([0x32, 0x00, 0x10, 0x07]), file: "f").map(\.step), [2, 7])
    }

    // MARK: - Encoding pieces

    func testProtobufEncoding() {
        var w = ProtobufWriter()
        w.varint(300)
        w.int64(2, -1)
        w.int64IfNotDefault(2, 0)
        w.doubleIfNotDefault(1, 0)
        w.stringIfNotDefault(3, "")
        w.float(2, 1)
        XCTAssertEqual(w.bytes, [0xAC, 0x02, 0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01, 0x15, 0x00, 0x00, 0x80, 0x3F])
        // "123456789": CRC-32C 0xE3069283; masked, 0xC78AB0E5 (tensorboard's masked_crc32c).
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(TensorBoardRecord.masked(0xE306_9283), 0xC78A_B0E5)
        XCTAssertEqual(TensorBoardRecord.maskedCRC(Array("123456789".utf8)[...]), 0xC78A_B0E5)
    }
}
