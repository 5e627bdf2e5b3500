import Foundation
import XCTest
@testable import Formats
@testable import Shared
@testable import TestSupport

final class LZ4Tests: XCTestCase {
    // MARK: Helpers

    func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            var word = rng.next()
            for _ in 0..<8 where i < count {
                out[i] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                i += 1
            }
        }
        return out
    }

    /// Text-like data: words from a small vocabulary, so it compresses well.
    func compressibleBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        let words = ["benign", "malignant", "lesion", "speckle", "shadow", "margin", "oval", "\n", " "]
            .map { Array($0.utf8) }
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 16)
        while out.count < count {
            out.append(contentsOf: words[Int(rng.next() % UInt64(words.count))])
            out.append(32)
        }
        return Array(out.prefix(count))
    }

    func lz4Binary() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/lz4"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the tool and returns its standard output; fails the test on a non-zero exit.
    func run(_ tool: String, _ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments.joined(separator: " "))")
        return [UInt8](data)
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ultraad-lz4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func undeclaredFrame(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try LZ4Frame.compress(raw: $0, level: 0, declareSize: false, what: "test") }
    }

    // MARK: Round trips

    func testRoundTripsEmptyOneByteCompressibleRandom() throws {
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("one byte", [0xA5]),
            ("1 MB compressible", compressibleBytes(1 << 20, seed: 1)),
            ("1 MB random", randomBytes(1 << 20, seed: 2)),
        ]
        for (name, input) in cases {
            let frame = try LZ4Frame.compress(input)
            let output = try LZ4Frame.decompress(frame, maxSize: input.count)
            XCTAssertEqual(output, input, name)
            let declared = try LZ4Frame.declaredContentSize(frame)
            XCTAssertEqual(declared, input.isEmpty ? nil : UInt64(input.count), name)
            if name.contains("compressible") {
                XCTAssertLessThan(frame.count, input.count / 2, "text-like data should compress")
            }
            if name.contains("random") {
                // Incompressible blocks are stored raw: only the frame overhead is added.
                XCTAssertLessThan(frame.count, input.count + 64)
            }
        }
    }

    func testDataOverloadsAndHighCompressionLevel() throws {
        let input = compressibleBytes(70_000, seed: 3)
        let fast = try LZ4Frame.compress(Data(input))
        let hc = try LZ4Frame.compress(input, level: 9)
        XCTAssertLessThanOrEqual(hc.count, fast.count)
        XCTAssertEqual(try LZ4Frame.decompress(Data(fast), maxSize: input.count), input)
        XCTAssertEqual(try LZ4Frame.decompress(hc, maxSize: input.count), input)
    }

    func testFloatsRoundTripBitExactLittleEndian() throws {
        var rng = SplitMix64(seed: 4)
        var values = (0..<10_000).map { _ in rng.nextNormal() }
        values += [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1]
        let frame = try LZ4Frame.compress(floats: values)
        let back = try LZ4Frame.decompressFloats(frame, maxCount: values.count)
        XCTAssertEqual(back.map(\.bitPattern), values.map(\.bitPattern))
        // The payload is little-endian: 1.0f is 00 00 80 3F.
        let one = try LZ4Frame.decompress(try LZ4Frame.compress(floats: [1]), maxSize: 4)
        XCTAssertEqual(one, [0x00, 0x00, 0x80, 0x3F])
        XCTAssertThrowsError(try LZ4Frame.decompressFloats(frame, maxCount: values.count - 1)) { error in
            guard case LZ4Error.declaredSizeTooLarge = error else { return XCTFail("\(error)") }
        }
        let odd = try LZ4Frame.compress([1, 2, 3, 4, 5])
        XCTAssertThrowsError(try LZ4Frame.decompressFloats(odd, maxCount: 10)) { error in
            XCTAssertEqual(error as? LZ4Error, .notFloats(what: "LZ4 payload", byteCount: 5))
        }
    }

    func testFrameHeaderCarriesDocumentedSettings() throws {
        let input = compressibleBytes(1000, seed: 5)
        let frame = try LZ4Frame.compress(input)
        XCTAssertEqual(Array(frame[0..<4]), [0x04, 0x22, 0x4D, 0x18], "magic 0x184D2204, little-endian")
        // FLG: version 01, independent blocks, no block checksum, content size, content checksum.
        XCTAssertEqual(frame[4], 0b0110_1100)
        // BD: block size id 4..7 (64 KB...4 MB). 4 MB is asked for; liblz4 writes the
        // smallest block size that holds the whole input when the input is smaller.
        XCTAssertEqual(frame[5], 0x40)
        var size: UInt64 = 0
        for k in 0..<8 { size |= UInt64(frame[6 + k]) << (8 * UInt64(k)) }
        XCTAssertEqual(size, 1000)
        XCTAssertEqual(try LZ4Frame.compress([UInt8](repeating: 7, count: 200_000))[5], 0x50)
        let big = try LZ4Frame.compress([UInt8](repeating: 7, count: 5 << 20))
        XCTAssertEqual(big[5], 0x70)
        XCTAssertEqual(try LZ4Frame.decompress(big, maxSize: 5 << 20).count, 5 << 20)
    }

    // MARK: The lz4 command line tool

    func testInteropWithCommandLineTool() throws {
        guard let lz4 = lz4Binary() else { throw missingPrerequisite("no lz4 binary on PATH") }
        let dir = try tempDir()
        let input = compressibleBytes(300_000, seed: 6) + randomBytes(100_000, seed: 7)
        let plain = dir.appendingPathComponent("plain.bin")
        try Data(input).write(to: plain)

        // Written by the tool, read here: default settings (no content size, linked or
        // independent blocks as the tool chooses), small linked blocks, content size + HC.
        for flags in [[], ["-BD", "-B4"], ["--content-size", "-9"], ["--no-frame-crc", "-BX"]] {
            let frame = try run(lz4, ["-c", "-q"] + flags + [plain.path])
            XCTAssertEqual(Array(frame.prefix(4)), [0x04, 0x22, 0x4D, 0x18], "\(flags)")
            XCTAssertEqual(try LZ4Frame.decompress(frame, maxSize: input.count), input, "lz4 \(flags)")
            if flags.isEmpty {
                XCTAssertNil(try LZ4Frame.declaredContentSize(frame))
                XCTAssertThrowsError(try LZ4Frame.decompress(frame, maxSize: input.count - 1)) { error in
                    XCTAssertEqual(error as? LZ4Error, .outputTooLarge(what: "LZ4 payload", limit: input.count - 1))
                }
            }
        }

        // Written here, read by the tool.
        for (name, data) in [("mixed", input), ("empty", []), ("random", randomBytes(5000, seed: 8))] {
            let framePath = dir.appendingPathComponent("\(name).lz4")
            try Data(try LZ4Frame.compress(data)).write(to: framePath)
            XCTAssertEqual(try run(lz4, ["-d", "-c", "-q", framePath.path]), data, name)
            // The tool also checks the frame (header, blocks, content checksum).
            _ = try run(lz4, ["-t", "-q", framePath.path])
        }
    }

    // MARK: Damaged and hostile frames

    func testEveryFlippedByteIsDetected() throws {
        let input = compressibleBytes(600, seed: 9) + randomBytes(100, seed: 10)
        let frame = try LZ4Frame.compress(input)
        XCTAssertGreaterThan(frame.count, 100)
        var detected = 0, harmless = 0
        for position in 0..<frame.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = frame
                damaged[position] ^= mask
                do {
                    let out = try LZ4Frame.decompress(damaged, maxSize: 1 << 20)
                    XCTAssertEqual(out, input, "byte \(position) ^ \(mask) decoded to different data")
                    harmless += 1
                } catch is LZ4Error {
                    detected += 1
                } catch {
                    XCTFail("byte \(position): untyped error \(error)")
                }
            }
        }
        // The header checksum covers the descriptor and the content checksum covers the
        // data, so a change is either reported or harmless: a flipped bit in a match
        // offset can point at an identical earlier copy and decode to the same bytes
        // (byte 267 ^ 0x01 here does). Those must stay rare.
        XCTAssertEqual(detected + harmless, 3 * frame.count)
        XCTAssertLessThan(harmless, 3 * frame.count / 100)
    }

    func testFlippedBytesInFrameWithoutDeclaredSize() throws {
        let input = compressibleBytes(400, seed: 11)
        let frame = try undeclaredFrame(input)
        for position in 0..<frame.count {
            var damaged = frame
            damaged[position] ^= 0x10
            XCTAssertThrowsError(try LZ4Frame.decompress(damaged, maxSize: 1 << 20), "byte \(position)") { error in
                XCTAssertTrue(error is LZ4Error, "\(error)")
            }
        }
    }

    func testEveryTruncationIsAnError() throws {
        for frame in [try LZ4Frame.compress(compressibleBytes(5000, seed: 12)),
                      try undeclaredFrame(randomBytes(3000, seed: 13)),
                      try LZ4Frame.compress([])] {
            for length in 0..<frame.count {
                XCTAssertThrowsError(try LZ4Frame.decompress(Array(frame.prefix(length)), maxSize: 1 << 20),
                                     "prefix \(length) of \(frame.count)") { error in
                    guard let e = error as? LZ4Error else { return XCTFail("untyped \(error)") }
                    switch e {
                    // A whole header whose data is cut short declares more than the rest holds.
                    case .truncated, .corrupt, .declaredSizeBeyondFrame: break
                    default: XCTFail("prefix \(length): \(e)")
                    }
                }
            }
            XCTAssertEqual(try? LZ4Frame.decompress(Array(frame.prefix(frame.count - 1)), maxSize: 1 << 20), nil)
            XCTAssertThrowsError(try LZ4Frame.decompress(Array(frame.prefix(frame.count - 1)), maxSize: 1 << 20)) { error in
                XCTAssertEqual(error as? LZ4Error, .truncated(what: "LZ4 payload", size: frame.count - 1))
            }
        }
    }

    func testTrailingGarbageBadMagicAndSkippableFrames() throws {
        let frame = try LZ4Frame.compress(compressibleBytes(2000, seed: 14), what: "bank.lz4")
        XCTAssertThrowsError(try LZ4Frame.decompress(frame + [0], maxSize: 1 << 20, what: "bank.lz4")) { error in
            XCTAssertEqual(error as? LZ4Error, .trailingData(what: "bank.lz4", frameEnd: frame.count, size: frame.count + 1))
            XCTAssertTrue("\(error)".contains("bank.lz4"), "\(error)")
        }
        XCTAssertThrowsError(try LZ4Frame.decompress(frame + frame, maxSize: 1 << 20)) { error in
            guard case LZ4Error.trailingData = error else { return XCTFail("\(error)") }
        }
        for garbage in [randomBytes(100, seed: 15), [0x04, 0x22, 0x4D], Array("not lz4 at all".utf8)] {
            XCTAssertThrowsError(try LZ4Frame.decompress(garbage, maxSize: 1 << 20)) { error in
                XCTAssertTrue(error is LZ4Error, "\(error)")
            }
        }
        XCTAssertThrowsError(try LZ4Frame.decompress(randomBytes(100, seed: 15), maxSize: 100, what: "x")) { error in
            guard case let LZ4Error.corrupt(what, reason, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(what, "x")
            XCTAssertEqual(reason, "ERROR_frameType_unknown", "liblz4's name for a frame that does not start with its magic")
        }
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]
        XCTAssertThrowsError(try LZ4Frame.decompress(skippable, maxSize: 100)) { error in
            XCTAssertEqual(error as? LZ4Error, .skippableFrame(what: "LZ4 payload"))
        }
    }

    func testDeclaredSizeLimitRejectsBeforeDecoding() throws {
        let input = compressibleBytes(10_000, seed: 16)
        let frame = try LZ4Frame.compress(input)
        XCTAssertEqual(try LZ4Frame.decompress(frame, maxSize: 10_000), input)
        XCTAssertThrowsError(try LZ4Frame.decompress(frame, maxSize: 9_999, what: "cache/abc.lz4")) { error in
            XCTAssertEqual(error as? LZ4Error, .declaredSizeTooLarge(what: "cache/abc.lz4", declared: 10_000, limit: 9_999))
            XCTAssertTrue("\(error)".contains("cache/abc.lz4"))
        }
        XCTAssertThrowsError(try LZ4Frame.decompress(frame, maxSize: 0)) { error in
            XCTAssertEqual(error as? LZ4Error, .declaredSizeTooLarge(what: "LZ4 payload", declared: 10_000, limit: 0))
        }
        XCTAssertThrowsError(try LZ4Frame.decompress(frame, maxSize: -5)) { error in
            XCTAssertEqual(error as? LZ4Error, .declaredSizeTooLarge(what: "LZ4 payload", declared: 10_000, limit: 0), "a negative limit is 0")
        }
        XCTAssertEqual(try LZ4Frame.decompress(try LZ4Frame.compress([]), maxSize: 0), [])
    }

    /// `frame` (written by `compress`, so with an 8-byte content size) declaring `size`
    /// instead, with the header checksum byte that makes liblz4 accept the header (found by
    /// trying all 256).
    func declaring(_ size: UInt64, _ frame: [UInt8]) throws -> [UInt8] {
        var out = frame
        for k in 0..<8 { out[6 + k] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(k))) }
        for checksum in 0...255 {
            out[14] = UInt8(checksum)
            if (try? LZ4Frame.declaredContentSize(out)) == size { return out }
        }
        throw XCTSkip("no header checksum byte found")
    }

    func testDeclaredSizeBeyondWhatTheFrameCanHoldIsRefusedBeforeAllocating() throws {
        let frame = try LZ4Frame.compress(Array("ninety-nine bytes of text, give or take: a frame of about a hundred bytes".utf8))
        // 1 GiB declared by a frame of ~90 bytes, under a limit that allows it: before the
        // fix the output buffer was allocated at the declared size, then the decoder failed.
        let hostile = try declaring(1 << 30, frame)
        XCTAssertThrowsError(try LZ4Frame.decompress(hostile, maxSize: 1 << 34, what: "BANK")) { error in
            XCTAssertEqual(error as? LZ4Error, .declaredSizeBeyondFrame(what: "BANK", declared: 1 << 30, frameSize: hostile.count))
            XCTAssertTrue("\(error)".contains("more than a frame of that size can hold"), "\(error)")
        }
        // At the bound itself the header is believed, and the decoder finds the frame short.
        let atBound = try declaring(UInt64(frame.count * LZ4Frame.maxExpansion), frame)
        XCTAssertThrowsError(try LZ4Frame.decompress(atBound, maxSize: 1 << 20)) { error in
            guard case .corrupt? = error as? LZ4Error else { return XCTFail("\(error)") }
        }
        // The best real ratio stays under the bound: 16 MB of one byte value.
        let zeros = try LZ4Frame.compress([UInt8](repeating: 0, count: 16 << 20), level: 12)
        XCTAssertLessThan(zeros.count * LZ4Frame.maxExpansion, 17 << 20, "close to the bound")
        XCTAssertEqual(try LZ4Frame.decompress(zeros, maxSize: 16 << 20).count, 16 << 20)
    }

    func testUndeclaredSizeLimitStopsDecoding() throws {
        let input = compressibleBytes(100_000, seed: 17)
        let frame = try undeclaredFrame(input)
        XCTAssertNil(try LZ4Frame.declaredContentSize(frame))
        XCTAssertEqual(try LZ4Frame.decompress(frame, maxSize: 100_000), input)
        XCTAssertEqual(try LZ4Frame.decompress(frame, maxSize: 10_000_000), input)
        for limit in [99_999, 65_536, 1, 0] {
            XCTAssertThrowsError(try LZ4Frame.decompress(frame, maxSize: limit)) { error in
                XCTAssertEqual(error as? LZ4Error, .outputTooLarge(what: "LZ4 payload", limit: limit))
            }
        }
        // A "bomb": 16 MB of zeros in a few tens of KB, no size declared, 1 MB allowed.
        let bomb = try undeclaredFrame([UInt8](repeating: 0, count: 16 << 20))
        XCTAssertLessThan(bomb.count, 100_000)
        XCTAssertThrowsError(try LZ4Frame.decompress(bomb, maxSize: 1 << 20)) { error in
            XCTAssertEqual(error as? LZ4Error, .outputTooLarge(what: "LZ4 payload", limit: 1 << 20))
        }
    }
}
