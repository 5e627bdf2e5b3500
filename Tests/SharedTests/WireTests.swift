import Foundation
import XCTest
@testable import Shared

final class WireTests: XCTestCase {
    func testCRC32CKnownValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)   // the standard check value
        XCTAssertEqual(CRC32C.checksum([]), 0)
        // RFC 3720 (iSCSI), appendix B.4.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    /// The hardware path (three streams joined by `combine` above 48 KiB) against the
    /// one-byte-a-step table, at lengths around every boundary of the split.
    func testCRC32CLargeBuffersMatchTheTable() {
        var rng = SplitMix64(seed: 9)
        let bytes = (0..<300_001).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for n in [0, 1, 7, 8, 9, 49_151, 49_152, 49_153, 49_160, 65_536, 100_003, 300_001] {
            let part = Array(bytes[0..<n])
            let want = part.withUnsafeBytes { ~CRC32C.software(0xFFFF_FFFF, $0) }
            XCTAssertEqual(CRC32C.checksum(part), want, "length \(n)")
        }
        let a = Array(bytes[0..<1000]), b = Array(bytes[1000..<5000])
        XCTAssertEqual(CRC32C.combine(CRC32C.checksum(a), CRC32C.checksum(b), length: b.count), CRC32C.checksum(a + b))
    }

    func testHeaderRoundTripAndEveryValidationFailure() throws {
        let payload = Array("payload".utf8)
        let h = MessageHeader(type: .grad, runID: 7, step: 3, blockStart: 4, blockCount: 2, payload: payload)
        let bytes = h.encoded()
        XCTAssertEqual(bytes.count, MessageHeader.size)
        XCTAssertEqual(try MessageHeader.decode(bytes), h)
        XCTAssertNoThrow(try h.validate(payload: payload))
        XCTAssertThrowsError(try MessageHeader.decode(Array(bytes.prefix(47)))) { XCTAssertEqual($0 as? WireError, .badSize(47)) }
        var bad = bytes; bad[0] = 0
        XCTAssertThrowsError(try MessageHeader.decode(bad)) { XCTAssertEqual($0 as? WireError, .badMagic) }
        bad = bytes; bad[4] = 1   // protocol 1 (CRC-32, parameters inside TASK) is not spoken any more
        XCTAssertThrowsError(try MessageHeader.decode(bad)) { XCTAssertEqual($0 as? WireError, .badVersion(1)) }
        bad = bytes; bad[6] = 99
        XCTAssertThrowsError(try MessageHeader.decode(bad)) { XCTAssertEqual($0 as? WireError, .unknownType(99)) }
        XCTAssertThrowsError(try h.validate(payload: payload + [0])) {
            XCTAssertEqual($0 as? WireError, .badLength(declared: 7, actual: 8))
        }
        XCTAssertThrowsError(try h.validate(payload: Array("paylaod".utf8))) { XCTAssertEqual($0 as? WireError, .badChecksum) }
    }

    func testPayloadsRoundTripAndTruncationsAreErrors() throws {
        var rng = SplitMix64(seed: 4)
        let q = ChunkInput.Query(features: ImageFeatures(g: HeadTestData.normals([4], &rng),
                                                         u: [HeadTestData.normals([4, 3], &rng)],
                                                         z0: [HeadTestData.normals([4, 4], &rng)]),
                                 mask: HeadTestData.normals([2, 2], &rng), label: 2, source: -3)
        let task = TaskPayload(parameterVersion: 9, chunks: [[QueryRef(image: 1, view: 2)], []],
                               features: [(QueryRef(image: 1, view: 2), q)])
        let bytes = task.encoded()
        let back = try TaskPayload(decoding: bytes)
        XCTAssertEqual(back.parameterVersion, 9)
        XCTAssertEqual(back.chunks, task.chunks)
        XCTAssertEqual(back.features.first?.1.features.u, q.features.u)
        XCTAssertEqual(back.features.first?.1.source, -3)
        for cut in [0, 1, 8, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try TaskPayload(decoding: Array(bytes.prefix(cut))), "cut at \(cut)")
        }
        XCTAssertThrowsError(try TaskPayload(decoding: bytes + [0]))   // trailing bytes
        let params = ParamsPayload(version: 7, values: [1, -2, 3.5])
        let paramBytes = params.encoded()
        XCTAssertEqual(try ParamsPayload(decoding: paramBytes).values, [1, -2, 3.5])
        XCTAssertEqual(try ParamsPayload(decoding: paramBytes).version, 7)
        for cut in [0, 7, 8, 12, paramBytes.count - 1] {
            XCTAssertThrowsError(try ParamsPayload(decoding: Array(paramBytes.prefix(cut))), "PARAMS cut at \(cut)")
        }
        XCTAssertThrowsError(try ParamsPayload(decoding: paramBytes + [0]))
        let grad = GradPayload(parameterVersion: 2, queries: 4, loss: LossParts(), computeSeconds: 0.5, gradient: [0.25])
        XCTAssertEqual(try GradPayload(decoding: grad.encoded()).gradient, [0.25])
        let hello = Hello(workerID: "w", host: "h", pid: 1, threads: 2, blasCore: "Zen", bankDigest: "")
        XCTAssertEqual(try Hello(decoding: hello.encoded()), hello)
    }
}
