import Foundation
import Logging
import XCTest
@testable import Coordinator
@testable import Shared
@testable import TestSupport

/// The coordinator's list of workers (PostOffice/Membership.swift): joining and re-joining,
/// silence, heartbeats due, the shared-memory decision from HELLO.
final class MembershipTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 50_000)
    let a: [UInt8] = [0x00, 0x41], b: [UInt8] = [0x00, 0x42], c: [UInt8] = [0x01]

    func hello(_ id: String, sharedMemory: String = "") -> Hello {
        Hello(workerID: id, host: "node-1", pid: 42, threads: 2, blasCore: "Haswell", bankDigest: "", sharedMemory: sharedMemory)
    }

    func testAJoiningWorkerStartsIdleWithNothingSent() throws {
        var m = Membership()
        XCTAssertNil(m.join(a, hello: hello("w-a"), now: t0), "a stranger until now")
        let w = try XCTUnwrap(m[a])
        XCTAssertEqual(w.identity, a)
        XCTAssertEqual(w.hello, hello("w-a"))
        XCTAssertEqual(w.lastSeen, t0)
        XCTAssertEqual(w.lastSent, t0)
        XCTAssertFalse(w.ready)
        XCTAssertNil(w.parameterVersion)
        XCTAssertEqual(w.sentFeatures, [])
        XCTAssertNil(w.assignment)
        XCTAssertNil(w.gradient)
        XCTAssertEqual(m.readyCount, 0)
        XCTAssertEqual(m.workers.count, 1)
    }

    func testRejoiningReturnsThePreviousAssignmentAndStartsOver() throws {
        var m = Membership()
        _ = m.join(a, hello: hello("w-a"), now: t0)
        _ = m.join(b, hello: hello("w-b"), now: t0)
        m[a]?.ready = true
        m[a]?.parameterVersion = 7
        m[a]?.sentFeatures = [QueryRef(image: 3, view: 1)]
        m[a]?.assignment = (step: 5, block: Block(start: 4, count: 2))
        XCTAssertEqual(m.readyCount, 1)

        let previous = try XCTUnwrap(m.join(a, hello: hello("w-a2"), now: t0.addingTimeInterval(3))?.assignment)
        XCTAssertEqual(previous.step, 5)
        XCTAssertEqual(previous.block, Block(start: 4, count: 2))
        let w = try XCTUnwrap(m[a])
        XCTAssertEqual(w.hello.workerID, "w-a2")
        XCTAssertEqual(w.lastSeen, t0.addingTimeInterval(3))
        XCTAssertFalse(w.ready)
        XCTAssertNil(w.parameterVersion)
        XCTAssertEqual(w.sentFeatures, [])
        XCTAssertNil(w.assignment)
        XCTAssertEqual(m.readyCount, 0)
        XCTAssertEqual(m.workers.count, 2)
        // A worker that had no block: nothing to give back.
        XCTAssertNil(m.join(b, hello: hello("w-b"), now: t0)?.assignment)
        XCTAssertNotNil(m.join(b, hello: hello("w-b"), now: t0), "but it was known")
    }

    func testANewAssignmentDropsTheGradientPiecesOfTheLastOne() throws {
        var m = Membership()
        _ = m.join(a, hello: hello("w-a"), now: t0)
        m[a]?.assignment = (step: 1, block: Block(start: 0, count: 2))
        m[a]?.gradient = PieceAssembler(total: 10)
        XCTAssertNotNil(m[a]?.gradient)
        m[a]?.assignment = (step: 1, block: Block(start: 2, count: 2))
        XCTAssertNil(m[a]?.gradient)
    }

    func testSharedMemoryOnlyForTheCoordinatorsOwnNamespace() throws {
        var m = Membership()
        _ = m.join(a, hello: hello("same", sharedMemory: SharedMemory.namespace), now: t0)
        _ = m.join(b, hello: hello("none", sharedMemory: ""), now: t0)
        _ = m.join(c, hello: hello("other", sharedMemory: "another-boot-id/64/2"), now: t0)
        // Where this process sees no /dev/shm, the namespace is "" and nobody gets it.
        XCTAssertEqual(m[a]?.sharedMemory, !SharedMemory.namespace.isEmpty)
        XCTAssertEqual(m[b]?.sharedMemory, false)
        XCTAssertEqual(m[c]?.sharedMemory, false)
        // Re-joining decides again, from the new HELLO.
        _ = m.join(a, hello: hello("same", sharedMemory: ""), now: t0)
        XCTAssertEqual(m[a]?.sharedMemory, false)
    }

    func testWorkersSilentLongerThanTheTimeoutExpire() throws {
        var m = Membership()
        _ = m.join(a, hello: hello("w-a"), now: t0)
        _ = m.join(b, hello: hello("w-b"), now: t0.addingTimeInterval(5))
        _ = m.join(c, hello: hello("w-c"), now: t0.addingTimeInterval(0.5))
        // Exactly the timeout is not yet too long.
        XCTAssertEqual(m.expire(now: t0.addingTimeInterval(10), timeout: 10).map(\.identity), [])
        let dead = m.expire(now: t0.addingTimeInterval(10.25), timeout: 10)
        XCTAssertEqual(dead.map(\.identity), [a])
        XCTAssertEqual(dead.first?.hello.workerID, "w-a")
        XCTAssertNil(m[a])
        XCTAssertEqual(m.sortedIdentities, [b, c])
        // Hearing from a worker keeps it.
        m[c]?.lastSeen = t0.addingTimeInterval(10)
        XCTAssertEqual(m.expire(now: t0.addingTimeInterval(14.5), timeout: 10).map(\.identity), [])
        XCTAssertEqual(m.expire(now: t0.addingTimeInterval(20.5), timeout: 10).map(\.identity).sorted { $0.lexicographicallyPrecedes($1) },
                       [b, c])
        XCTAssertEqual(m.workers.count, 0)
    }

    func testHeartbeatsAreDueToWorkersSentNothingForTheInterval() throws {
        var m = Membership()
        _ = m.join(b, hello: hello("w-b"), now: t0)
        _ = m.join(a, hello: hello("w-a"), now: t0)
        _ = m.join(c, hello: hello("w-c"), now: t0)
        m[b]?.lastSent = t0.addingTimeInterval(0.5)
        XCTAssertEqual(m.dueForHeartbeat(now: t0.addingTimeInterval(0.9), every: 1), [])
        // Due at exactly the interval; in identity order, whatever the join order.
        XCTAssertEqual(m.dueForHeartbeat(now: t0.addingTimeInterval(1), every: 1), [a, c])
        XCTAssertEqual(m.dueForHeartbeat(now: t0.addingTimeInterval(1.5), every: 1), [a, b, c])
        // What was sent is not what was seen: a worker heard from recently is still due.
        m[a]?.lastSeen = t0.addingTimeInterval(1.4)
        XCTAssertEqual(m.dueForHeartbeat(now: t0.addingTimeInterval(1.4), every: 1), [a, c])
    }

    func testRemoveAndBankSends() throws {
        var m = Membership()
        _ = m.join(a, hello: hello("w-a"), now: t0)
        _ = m.join(b, hello: hello("w-b"), now: t0)
        XCTAssertEqual(m.remove(a)?.hello.workerID, "w-a")
        XCTAssertNil(m.remove(a))
        XCTAssertEqual(m.sortedIdentities, [b])
        m.countBankSend("w-a")
        m.countBankSend("w-b")
        m.countBankSend("w-a")
        XCTAssertEqual(m.bankSends, ["w-a": 2, "w-b": 1])
    }
}

/// Refused messages (PostOffice/Membership.swift): counted by kind, the first of a kind logged.
final class RejectionsTests: XCTestCase {
    func testCountsByKindAndTellsTheFirstOfEachKind() {
        var r = Rejections()
        XCTAssertTrue(r.count(.badMagic))
        XCTAssertFalse(r.count(.badMagic))
        XCTAssertTrue(r.count(.badChecksum))
        // The kind, not the details, decides.
        XCTAssertTrue(r.count(.badVersion(1)))
        XCTAssertFalse(r.count(.badVersion(9)))
        XCTAssertTrue(r.count(.malformed("HELLO: 3 bytes left")))
        XCTAssertFalse(r.count(.malformed("GRAD: truncated")))
        XCTAssertFalse(r.count(.badMagic))
        XCTAssertEqual(r.byKind, ["magic": 3, "CRC": 1, "protocol version": 2, "malformed payload": 2])
    }

    func testOnlyTheFirstOfAKindIsLogged() {
        let records = LogRecords()
        let log = Logger(label: "test.rejections") { _ in CapturingLogHandler(records: records) }
        var r = Rejections()
        r.record(.badMagic, log: log)
        r.record(.badMagic, log: log)
        r.record(.wrongRun(9), log: log)
        r.record(.badMagic, log: log)
        r.record(.wrongRun(10), log: log)
        XCTAssertEqual(records.entries.map(\.level), [.warning, .warning])
        XCTAssertEqual(records.entries.map(\.message), [
            "rejected a message (magic): bad magic: not an UltraAD message; further magic rejections are only counted",
            "rejected a message (run id): message for run 9, not this run; further run id rejections are only counted",
        ])
        XCTAssertEqual(r.byKind, ["magic": 3, "run id": 2])
    }
}
