import Foundation
import XCTest
@testable import Shared

final class WireTests: XCTestCase {
    func testCRC32KnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)   // the standard check value
        XCTAssertEqual(CRC32.checksum([]), 0)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
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
        bad = bytes; bad[4] = 2
        XCTAssertThrowsError(try MessageHeader.decode(bad)) { XCTAssertEqual($0 as? WireError, .badVersion(2)) }
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
                               parameters: [1, 2, 3], features: [(QueryRef(image: 1, view: 2), q)])
        let bytes = task.encoded()
        let back = try TaskPayload(decoding: bytes)
        XCTAssertEqual(back.parameterVersion, 9)
        XCTAssertEqual(back.chunks, task.chunks)
        XCTAssertEqual(back.parameters, [1, 2, 3])
        XCTAssertEqual(back.features.first?.1.features.u, q.features.u)
        XCTAssertEqual(back.features.first?.1.source, -3)
        for cut in [0, 1, 8, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try TaskPayload(decoding: Array(bytes.prefix(cut))), "cut at \(cut)")
        }
        XCTAssertThrowsError(try TaskPayload(decoding: bytes + [0]))   // trailing bytes
        let grad = GradPayload(parameterVersion: 2, queries: 4, loss: LossParts(), computeSeconds: 0.5, gradient: [0.25])
        XCTAssertEqual(try GradPayload(decoding: grad.encoded()).gradient, [0.25])
        let hello = Hello(workerID: "w", host: "h", pid: 1, threads: 2, blasCore: "Zen", bankDigest: "")
        XCTAssertEqual(try Hello(decoding: hello.encoded()), hello)
    }
}
