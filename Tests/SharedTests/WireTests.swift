import Foundation
import XCTest
@testable import Shared
@testable import TestSupport
@testable import Wire
@testable import Formats

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
            // Copy and checksum in one pass: the same CRC, the same bytes.
            var copied = [UInt8](repeating: 0xA5, count: n + 1)
            let crc = part.withUnsafeBytes { src in copied.withUnsafeMutableBytes { CRC32C.copy(src, to: $0.baseAddress!) } }
            XCTAssertEqual(crc, want, "copy, length \(n)")
            XCTAssertEqual(Array(copied[0..<n]), part, "copy, length \(n)")
            XCTAssertEqual(copied[n], 0xA5, "copy past the end, length \(n)")
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
        bad = bytes; bad[4] = 2   // nor 2 (ERROR as text, WELCOME without a mode)
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
        let crc = TaskFeature.crc(of: q)
        let task = TaskPayload(parameterVersion: 9, chunks: [[QueryRef(image: 1, view: 2)], [QueryRef(image: 0, view: 5)], []],
                               features: [(QueryRef(image: 1, view: 2), .inline(q)), (QueryRef(image: 0, view: 5), .fromPool(crc: crc))])
        let bytes = task.encoded()
        let back = try TaskPayload(decoding: bytes)
        XCTAssertEqual(back.parameterVersion, 9)
        XCTAssertEqual(back.chunks, task.chunks)
        guard case .inline(let inline)? = back.features.first?.1, case .fromPool(let backCRC)? = back.features.last?.1 else {
            return XCTFail("\(back.features)")
        }
        XCTAssertEqual(inline.features.u, q.features.u)
        XCTAssertEqual(inline.source, -3)
        XCTAssertEqual(back.features.map(\.0), [QueryRef(image: 1, view: 2), QueryRef(image: 0, view: 5)])
        XCTAssertEqual(backCRC, crc)
        // The CRC is of the view as TASK encodes it: a changed value changes it.
        var changed = q
        changed.features.g.data[0] += 1
        XCTAssertNotEqual(TaskFeature.crc(of: changed), crc)
        var unknownKind = bytes
        unknownKind[bytes.count - 5] = 3   // the second feature's kind byte
        XCTAssertThrowsError(try TaskPayload(decoding: unknownKind)) { XCTAssertEqual($0 as? WireError, .malformed("TASK: feature kind 3")) }
        // Kind 2: the CRC and the route member to fetch the view from.
        let fetched = try TaskPayload(decoding: TaskPayload(parameterVersion: 1, chunks: [[QueryRef(image: 0, view: 5)]],
                                                            features: [(QueryRef(image: 0, view: 5), .fromMember(crc: crc, member: 2))],
                                                            route: 7).encoded())
        guard case let .fromMember(fetchedCRC, member)? = fetched.features.first?.1 else { return XCTFail("\(fetched.features)") }
        XCTAssertEqual([fetchedCRC, member], [crc, 2])
        XCTAssertEqual(fetched.route, 7)
        // FETCH and VIEWS round trips; an empty FETCH is malformed.
        let fetch = FetchPayload(route: 7, refs: [QueryRef(image: 0, view: 5), QueryRef(image: 3, view: 1)])
        XCTAssertEqual(try FetchPayload(decoding: fetch.encoded()), fetch)
        XCTAssertThrowsError(try FetchPayload(decoding: FetchPayload(route: 7, refs: []).encoded())) {
            XCTAssertEqual($0 as? WireError, .malformed("FETCH: 0 views"))
        }
        let views = try ViewsPayload(decoding: ViewsPayload(route: 7, views: [(QueryRef(image: 0, view: 5), q)]).encoded())
        XCTAssertEqual(views.route, 7)
        XCTAssertEqual(views.views.map(\.ref), [QueryRef(image: 0, view: 5)])
        XCTAssertEqual(TaskFeature.crc(of: views.views[0].query), crc, "the view as the TASK's CRC says")
        for cut in [0, 8, 12, 20] {
            XCTAssertThrowsError(try ViewsPayload(decoding: Array(ViewsPayload(route: 7, views: [(QueryRef(image: 0, view: 5), q)]).encoded().prefix(cut))))
        }
        for cut in [0, 1, 8, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try TaskPayload(decoding: Array(bytes.prefix(cut))), "cut at \(cut)") {
                guard case .malformed? = $0 as? WireError else { return XCTFail("cut at \(cut): \($0)") }
            }
        }
        XCTAssertThrowsError(try TaskPayload(decoding: bytes + [0])) {   // trailing bytes
            XCTAssertEqual($0 as? WireError, .malformed("TASK: 1 unexpected trailing bytes"))
        }
        let params = ParamsPayload(version: 7, part: .piece(.floats([1, -2, 3.5]), offset: 4, total: 9))
        let paramBytes = params.encoded()
        let paramsBack = try ParamsPayload(decoding: paramBytes)
        XCTAssertEqual(paramsBack.part.values.values, [1, -2, 3.5])
        XCTAssertEqual([paramsBack.version, paramsBack.part.offset, paramsBack.part.total], [7, 4, 9])
        XCTAssertNil(paramsBack.part.shared)
        for cut in [0, 7, 8, 24, 25, 33, paramBytes.count - 1] {
            XCTAssertThrowsError(try ParamsPayload(decoding: Array(paramBytes.prefix(cut))), "PARAMS cut at \(cut)") {
                guard case .malformed? = $0 as? WireError else { return XCTFail("PARAMS cut at \(cut): \($0)") }
            }
        }
        XCTAssertThrowsError(try ParamsPayload(decoding: paramBytes + [0])) {
            XCTAssertEqual($0 as? WireError, .malformed("PARAMS: 1 unexpected trailing bytes"))
        }
        var badKind = paramBytes; badKind[24] = 3
        XCTAssertThrowsError(try ParamsPayload(decoding: badKind)) { XCTAssertEqual($0 as? WireError, .malformed("PARAMS: kind 3")) }
        var relayedParams = Array(paramBytes.prefix(25)); relayedParams[24] = 2   // kind 2 has no values
        XCTAssertThrowsError(try ParamsPayload(decoding: relayedParams)) {
            XCTAssertEqual($0 as? WireError, .malformed("PARAMS: relayed vector at offset 4"))
        }
        let location = VectorPart.SharedLocation(path: "/dev/shm/ultraad-1-2.params", crc: 0xDEAD_BEEF)
        let sharedBack = try ParamsPayload(decoding: ParamsPayload(version: 3, part: .shared(location, total: 9)).encoded())
        XCTAssertEqual(sharedBack.part.shared, location)
        XCTAssertEqual(sharedBack.part.total, 9)
        var sharedAtOffset = ParamsPayload(version: 3, part: .shared(location, total: 9))
        sharedAtOffset.part.offset = 2
        XCTAssertThrowsError(try ParamsPayload(decoding: sharedAtOffset.encoded())) {   // a shared vector is whole
            XCTAssertEqual($0 as? WireError, .malformed("PARAMS: shared vector at offset 2"))
        }
        let grad = GradPayload(parameterVersion: 2, queries: 4, loss: LossParts(), computeSeconds: 0.5,
                               part: .piece(.floats([0.25]), offset: 1, total: 2))
        let gradBack = try GradPayload(decoding: grad.encoded())
        XCTAssertEqual(gradBack.part.values.values, [0.25])
        XCTAssertEqual([gradBack.part.offset, gradBack.part.total], [1, 2])
        let hello = Hello(workerID: "w", host: "h", pid: 1, threads: 2, blasCore: "Zen", bankDigest: "")
        XCTAssertEqual(try Hello(decoding: hello.encoded()), hello)
    }

    /// The relay's messages: ROUTE, the pieces of SEGMENT, PART and SUM, GRAD of kind 2
    /// (relayed), HELLO's relay socket, and the vector put together from its pieces in
    /// any order.
    func testRelayMessagesRoundTripAndMalformedOnesAreRefused() throws {
        let key = try CurveKeyPair.generate().publicKey
        let hello = Hello(workerID: "w", host: "h", pid: 1, threads: 2, blasCore: "Zen", bankDigest: "",
                          relayEndpoint: "tcp://h:4000", relayKey: key)
        XCTAssertEqual(try Hello(decoding: hello.encoded()), hello)
        var notTCP = hello; notTCP.relayEndpoint = "ipc:///tmp/x"
        XCTAssertThrowsError(try Hello(decoding: notTCP.encoded())) {
            XCTAssertEqual($0 as? WireError, .malformed("HELLO: relay endpoint ipc:///tmp/x is not tcp://HOST:PORT"))
        }
        let starts = RoutePayload.segmentStarts(total: 10, members: 3)
        XCTAssertEqual(starts, [0, 3, 6])
        let members = zip(["a", "b", "c"], starts).map { RoutePayload.Member(workerID: $0.0, endpoint: "tcp://\($0.0):1", publicKey: "", segmentStart: $0.1) }
        let route = RoutePayload(route: 5, leaves: 3, pieceFloats: 2, total: 10, index: 1, members: members)
        let back = try RoutePayload(decoding: route.encoded())
        XCTAssertEqual(back, route)
        XCTAssertEqual(back.segment(2), 6..<10)
        XCTAssertEqual(back.pieces(ofSegment: 2), [6..<8, 8..<10])
        XCTAssertEqual(back.allPieces, [0..<2, 2..<3, 3..<5, 5..<6, 6..<8, 8..<10])
        XCTAssertEqual([0, 2, 3, 9, 10].map { back.owner(of: $0) }, [0, 0, 1, 2, nil])
        func refused(_ change: (inout RoutePayload) -> Void, _ message: String) {
            var r = route
            change(&r)
            XCTAssertThrowsError(try RoutePayload(decoding: r.encoded()), message) { XCTAssertEqual($0 as? WireError, .malformed(message)) }
        }
        refused({ $0.index = 3 }, "ROUTE: index 3 of 3 members")
        refused({ $0.leaves = 0 }, "ROUTE: no leaves")
        refused({ $0.members[1].segmentStart = 7 }, "ROUTE: segment 2 starts at 6, not after segment 1")
        refused({ $0.members[0].segmentStart = 1 }, "ROUTE: the first segment starts at 1")
        refused({ $0.total = 6 }, "ROUTE: the last segment is empty")
        refused({ $0.members[2].workerID = "a" }, "ROUTE: a worker named twice")
        refused({ $0.members[0].endpoint = "a:1" }, "ROUTE: endpoint a:1 is not tcp://HOST:PORT")
        refused({ $0.members[0].publicKey = "not a key" }, "ROUTE: the public key of a is not Z85")
        refused({ $0.members = [] }, "ROUTE: 0 members (1 to 4096)")
        let piece = SegmentPiece(route: 5, offset: 6, values: .floats([1, 2]))
        let pieceBack = try SegmentPiece(decoding: piece.encoded(), "PART")
        XCTAssertEqual([pieceBack.route, pieceBack.offset], [5, 6])
        XCTAssertEqual(pieceBack.values.values, [1, 2])
        XCTAssertThrowsError(try SegmentPiece(decoding: piece.encoded() + [0], "SUM")) {
            XCTAssertEqual($0 as? WireError, .malformed("SUM: 1 unexpected trailing bytes"))
        }
        let relayed = try GradPayload(decoding: GradPayload(parameterVersion: 2, queries: 4, loss: LossParts(), computeSeconds: 0.5,
                                                            part: .relayed(total: 10)).encoded())
        XCTAssertTrue(relayed.part.relayed)
        XCTAssertEqual(relayed.part.total, 10)
        // Pieces in any order; one sent twice is ignored; anything else is malformed.
        var vector = ScatteredVector(total: 10, pieces: route.allPieces)
        for r in route.allPieces.reversed() {
            XCTAssertTrue(try vector.fill(.floats(ArraySlice(r.map(Float.init))), offset: UInt64(r.lowerBound), what: "SUM"))
        }
        XCTAssertTrue(vector.isComplete)
        XCTAssertEqual(vector.values, (0..<10).map(Float.init))
        XCTAssertFalse(try vector.fill(.floats([9, 9]), offset: 0, what: "SUM"))
        XCTAssertEqual(vector.values[0], 0)
        var fresh = ScatteredVector(total: 10, pieces: route.allPieces)
        XCTAssertThrowsError(try fresh.fill(.floats([1]), offset: 1, what: "SUM")) {
            XCTAssertEqual($0 as? WireError, .malformed("SUM: no piece starts at offset 1"))
        }
        XCTAssertThrowsError(try fresh.fill(.floats([1]), offset: 0, what: "SUM")) {
            XCTAssertEqual($0 as? WireError, .malformed("SUM: piece of 1 values at 0, expected 2"))
        }
    }

    /// Vectors split by `Pieces` come back whole, and every out-of-order, overlapping,
    /// overrunning or wrong-length piece is a malformed message.
    func testPiecesReassembleAndBadPiecesAreMalformed() throws {
        let n = 2 * Pieces.defaultFloats + 3
        let values = (0..<n).map { Float($0) * 0.5 }
        let ranges = Pieces.ranges(count: n, floatsPerPiece: Pieces.defaultFloats)
        XCTAssertEqual(ranges.count, 3)
        XCTAssertEqual(ranges.map(\.count).reduce(0, +), n)
        XCTAssertEqual(Pieces.ranges(count: 0, floatsPerPiece: Pieces.defaultFloats), [0..<0])
        XCTAssertEqual(Pieces.ranges(count: 80, floatsPerPiece: 37), [0..<37, 37..<74, 74..<80])
        var a = PieceAssembler(total: n)
        for r in ranges {
            XCTAssertFalse(a.isComplete)
            // Sent as floats, received as bytes: both forms append the same values.
            let piece: FloatPiece = r.lowerBound == 0 ? .floats(values[r])
                : .bytes(ArraySlice(values[r].withUnsafeBytes { Array($0) }))
            try a.append(piece, offset: UInt64(r.lowerBound), total: UInt64(n), what: "test")
        }
        XCTAssertTrue(a.isComplete)
        XCTAssertEqual(a.values, values)

        func malformed(_ body: (inout PieceAssembler) throws -> Void, _ message: String) {
            var b = PieceAssembler(total: 10)
            do { try body(&b); XCTFail("accepted: \(message)") } catch {
                guard case .malformed? = error as? WireError else { return XCTFail("\(message): \(error)") }
            }
        }
        let four = FloatPiece.floats([Float](repeating: 1, count: 4)[...])
        malformed({ try $0.append(four, offset: 4, total: 10, what: "t") }, "a piece after a gap")
        malformed({ try $0.append(four, offset: 0, total: 11, what: "t") }, "another total")
        malformed({ try $0.append(four, offset: 0, total: 10, what: "t"); try $0.append(four, offset: 2, total: 10, what: "t") }, "an overlap")
        malformed({ try $0.append(four, offset: 0, total: 10, what: "t"); try $0.append(four, offset: 4, total: 10, what: "t")
                    try $0.append(four, offset: 8, total: 10, what: "t") }, "an overrun")
    }

    /// The shared-memory files: what one side publishes the other reads back, a wrong CRC
    /// reads as nothing, only UltraAD's own files in /dev/shm can be opened, a file left by
    /// a process that is gone is removed, and the writer removes its file when done.
    func testSharedMemoryFilesRoundTripAndRefuseOtherFiles() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { throw missingPrerequisite("no /dev/shm here") }
        let values = (0..<1000).map { Float($0) * 0.25 - 7 }
        var writer: SharedVectorWriter? = try SharedVectorWriter(kind: .grad, runID: 42, count: values.count)
        let path = writer!.path
        writer!.publish(values)
        let reader = try SharedVectorReader(kind: .grad, path: path, count: values.count)
        XCTAssertEqual(reader.read(crc: writer!.crc), values)
        XCTAssertNil(reader.read(crc: writer!.crc ^ 1))
        XCTAssertThrowsError(try SharedVectorReader(kind: .grad, path: path, count: values.count + 1)) {   // wrong size
            XCTAssertEqual($0 as? WireError, .malformed("shared memory \(path): 4000 bytes, expected 4004"))
        }
        XCTAssertThrowsError(try SharedVectorReader(kind: .params, path: path, count: values.count)) {    // wrong kind
            XCTAssertEqual($0 as? WireError, .malformed("shared memory: \(path) is not an UltraAD .params file in /dev/shm"))
        }
        XCTAssertThrowsError(try SharedVectorReader(kind: .grad, path: "/etc/passwd", count: 1)) {
            XCTAssertEqual($0 as? WireError, .malformed("shared memory: /etc/passwd is not an UltraAD .grad file in /dev/shm"))
        }
        XCTAssertThrowsError(try SharedVectorReader(kind: .grad, path: "/dev/shm/../etc/ultraad-1-2.grad", count: 1)) {
            XCTAssertEqual($0 as? WireError,
                           .malformed("shared memory: /dev/shm/../etc/ultraad-1-2.grad is not an UltraAD .grad file in /dev/shm"))
        }
        writer = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the writer removes its file")

        // A pid that cannot be running (above the kernel's pid_max).
        let stale = "/dev/shm/ultraad-2147483646-7.params"
        XCTAssertTrue(FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3, 4])))
        let fresh = try SharedVectorWriter(kind: .params, runID: 43, count: 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale), "a dead process's file is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh.path))
    }
}

/// ERROR, WELCOME and READY: what receivers decide on is typed (a code, a mode), and any
/// value outside the protocol's is a malformed payload.
extension WireTests {
    /// Asserts that decoding throws `WireError.malformed` whose text contains `part`.
    func assertMalformed(_ decode: () throws -> Any, _ part: String, _ note: String = "",
                         file: StaticString = #filePath, line: UInt = #line) {
        do {
            let value = try decode()
            XCTFail("accepted \(value) \(note)", file: file, line: line)
        } catch let WireError.malformed(m) {
            XCTAssertTrue(m.contains(part), "\"\(m)\" does not mention \"\(part)\" \(note)", file: file, line: line)
        } catch {
            XCTFail("\(error) is not a malformed payload \(note)", file: file, line: line)
        }
    }

    func testErrorPayloadRoundTripsEveryCode() throws {
        XCTAssertEqual(ErrorCode.allCases.map(\.rawValue), [1, 2, 3, 4, 5, 6, 7, 8])
        for code in ErrorCode.allCases {
            let error = code == .itemFailed ? ErrorPayload(code, item: 7, "cannot read: not a readable PNG")
                                            : ErrorPayload(code, "what went wrong: \(code)")
            XCTAssertEqual(try ErrorPayload(decoding: error.encoded()), error, "\(code)")
        }
        // The layout: u16 code, u8 has item, u32 item, string message.
        XCTAssertEqual(ErrorPayload(.itemFailed, item: 0x0102_0304, "ab").encoded(), [5, 0, 1, 4, 3, 2, 1, 2, 0, 0, 0, 0x61, 0x62])
        XCTAssertEqual(ErrorPayload(.unknownWorker, "").encoded(), [1, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try ErrorPayload(decoding: ErrorPayload(.itemFailed, item: .max, "").encoded()).item, .max)
    }

    func testErrorPayloadUnknownCodesBadItemsAndTruncationsAreMalformed() throws {
        func raw(code: UInt16, flag: UInt8, item: UInt32? = nil, message: String = "x") -> [UInt8] {
            var w = ByteWriter()
            w.u16(code); w.u8(flag)
            if let item { w.u32(item) }
            w.string(message)
            return w.bytes
        }
        for code: UInt16 in [0, 9, 11, 0x100, 0xFFFF] {
            assertMalformed({ try ErrorPayload(decoding: raw(code: code, flag: 0)) }, "code \(code)")
        }
        assertMalformed({ try ErrorPayload(decoding: raw(code: 3, flag: 2)) }, "item flag 2")
        assertMalformed({ try ErrorPayload(decoding: raw(code: 5, flag: 0)) }, "without an item")
        for code in ErrorCode.allCases where code != .itemFailed {
            assertMalformed({ try ErrorPayload(decoding: raw(code: code.rawValue, flag: 1, item: 3)) }, "with an item", "\(code)")
        }
        for error in [ErrorPayload(.itemFailed, item: 9, "cannot read"), ErrorPayload(.sharedMemoryUnusable, "no file")] {
            let bytes = error.encoded()
            for cut in 0..<bytes.count {
                assertMalformed({ try ErrorPayload(decoding: Array(bytes.prefix(cut))) }, "ERROR", "cut at \(cut)")
            }
            assertMalformed({ try ErrorPayload(decoding: bytes + [0]) }, "ERROR", "a trailing byte")
        }
        // An ERROR in the old (version 2) form, a bare string, is not a version 3 ERROR.
        assertMalformed({ try ErrorPayload(decoding: TextPayload.encode("unknown worker: say HELLO")) }, "ERROR")
    }

    func welcome(_ mode: SessionMode, bank: String, pieceFloats: Int = Pieces.defaultFloats) -> Welcome {
        Welcome(configDigest: "cfg", mode: mode, bankDigest: bank, head: PlantedFeatures.config,
                heartbeat: 0.5, timeout: 4, pieceFloats: pieceFloats)
    }

    func testWelcomeCarriesTheModeAndThePieceSize() throws {
        for w in [welcome(.training, bank: "0123456789abcdef", pieceFloats: 37), welcome(.featureExtraction, bank: "", pieceFloats: 1),
                  welcome(.training, bank: "0123456789abcdef", pieceFloats: Int(UInt32.max))] {
            XCTAssertEqual(try Welcome(decoding: w.encoded()), w)
        }
        // The mode follows the config digest (u32 length 3 + "cfg"); the piece size comes
        // before the pool file and the feature cache (two empty strings here).
        let bytes = welcome(.featureExtraction, bank: "", pieceFloats: 37).encoded()
        XCTAssertEqual(bytes[7], 2)
        XCTAssertEqual(Array(bytes.suffix(12)), [37, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0])
        // In training the pool file travels; in feature extraction it is malformed.
        var withPool = welcome(.training, bank: "0123456789abcdef")
        withPool.pool = "/shared/runs/a/pool.safetensors"; withPool.featureCache = "/shared/cache"
        XCTAssertEqual(try Welcome(decoding: withPool.encoded()), withPool)
        var extractionPool = welcome(.featureExtraction, bank: "")
        extractionPool.pool = "/p"
        assertMalformed({ try Welcome(decoding: extractionPool.encoded()) }, "a pool file in feature extraction")
        for cut in 0..<bytes.count {
            assertMalformed({ try Welcome(decoding: Array(bytes.prefix(cut))) }, "WELCOME", "cut at \(cut)")
        }
        assertMalformed({ try Welcome(decoding: bytes + [0]) }, "WELCOME", "a trailing byte")
        // The run's ablations travel with the head, and an unknown name is malformed.
        var ablated = welcome(.training, bank: "0123456789abcdef")
        ablated.head.ablate = [.fuse, .centre]
        XCTAssertEqual(try Welcome(decoding: ablated.encoded()).head.ablate, [.fuse, .centre])
        let text = Array("fuse,centre".utf8)
        let encoded = ablated.encoded()
        let at = (0...(encoded.count - text.count)).first { Array(encoded[$0..<($0 + text.count)]) == text }!
        var unknown = encoded
        unknown.replaceSubrange(at..<(at + 4), with: Array("fuss".utf8))
        assertMalformed({ try Welcome(decoding: unknown) }, "WELCOME", "an unknown component")
    }

    func testWelcomeWithAnUnknownModeAMisplacedBankOrEmptyPiecesIsMalformed() throws {
        let good = welcome(.training, bank: "0123456789abcdef").encoded()
        for mode: UInt8 in [0, 3, 255] {
            var bad = good; bad[7] = mode
            assertMalformed({ try Welcome(decoding: bad) }, "mode \(mode)")
        }
        assertMalformed({ try Welcome(decoding: self.welcome(.training, bank: "0123456789abcdef", pieceFloats: 0).encoded()) },
                        "pieces of 0 floats")
        assertMalformed({ try Welcome(decoding: self.welcome(.featureExtraction, bank: "", pieceFloats: 0).encoded()) },
                        "pieces of 0 floats")
        assertMalformed({ try Welcome(decoding: self.welcome(.featureExtraction, bank: "0123456789abcdef").encoded()) },
                        "in feature extraction")
        assertMalformed({ try Welcome(decoding: self.welcome(.training, bank: "").encoded()) }, "training without a bank digest")
    }

    func testReadyCarriesTheModeAndItsBankDigest() throws {
        let training = ReadyPayload(mode: .training, bankDigest: "0123456789abcdef")
        let extraction = ReadyPayload(mode: .featureExtraction, bankDigest: "")
        let reading = ReadyPayload(mode: .training, bankDigest: "0123456789abcdef", readsPool: true)
        for r in [training, extraction, reading] { XCTAssertEqual(try ReadyPayload(decoding: r.encoded()), r) }
        XCTAssertEqual(extraction.encoded(), [2, 0, 0, 0, 0, 0])
        XCTAssertEqual(reading.encoded().last, 1)
        var readingExtraction = extraction.encoded(); readingExtraction[5] = 1
        assertMalformed({ try ReadyPayload(decoding: readingExtraction) }, "reads-pool flag 1 in feature extraction")
        var badFlag = reading.encoded(); badFlag[badFlag.count - 1] = 2
        assertMalformed({ try ReadyPayload(decoding: badFlag) }, "reads-pool flag 2")
        for mode: UInt8 in [0, 3, 255] {
            var bad = training.encoded(); bad[0] = mode
            assertMalformed({ try ReadyPayload(decoding: bad) }, "mode \(mode)")
        }
        assertMalformed({ try ReadyPayload(decoding: ReadyPayload(mode: .featureExtraction, bankDigest: "ab").encoded()) },
                        "in feature extraction")
        assertMalformed({ try ReadyPayload(decoding: ReadyPayload(mode: .training, bankDigest: "").encoded()) },
                        "training without a bank digest")
        let bytes = training.encoded()
        for cut in 0..<bytes.count {
            assertMalformed({ try ReadyPayload(decoding: Array(bytes.prefix(cut))) }, "READY", "cut at \(cut)")
        }
        assertMalformed({ try ReadyPayload(decoding: bytes + [0]) }, "READY", "a trailing byte")
        // READY in the old form, a bare digest string, starts with a length, not a mode.
        assertMalformed({ try ReadyPayload(decoding: TextPayload.encode("")) }, "READY")
    }
}
