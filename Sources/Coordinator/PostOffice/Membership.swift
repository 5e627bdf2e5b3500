import Foundation
import Logging
import Shared

/// An aligned block of chunks: 2^j consecutive chunks starting at a multiple of 2^j.
struct Block: Hashable, Sendable, CustomStringConvertible {
    var start: Int
    var count: Int
    var description: String { "[\(start), \(start + count))" }

    /// The two aligned halves (for spreading a failed worker's block over two workers).
    var halves: [Block] {
        count > 1 ? [Block(start: start, count: count / 2), Block(start: start + count / 2, count: count / 2)] : [self]
    }
}

/// What the coordinator knows of one connected worker.
struct WorkerState {
    let identity: [UInt8]
    var hello: Hello
    var lastSeen: Date
    var lastSent: Date
    var ready = false
    /// Parameter version the worker holds (nil: none or unknown).
    var parameterVersion: UInt64?
    /// Queries whose features this worker has been sent.
    var sentFeatures = Set<QueryRef>()
    /// Of them, the views it keeps for the run (sent inline or fetched from a member; views
    /// read from the pool may be dropped): it can pass them on to the other members.
    var keptFeatures = Set<QueryRef>()
    /// Of those, the ones of TASKs it has answered, which it surely has: another member of
    /// a relay round may be told to fetch them from it.
    var servableFeatures = Set<QueryRef>()
    /// The block it is computing, with the step it belongs to.
    var assignment: (step: Int, block: Block)? { didSet { gradient = nil } }
    /// The GRAD pieces of that block received so far.
    var gradient: PieceAssembler?
    /// Whether it gets the parameters through shared memory: it sees the coordinator's
    /// /dev/shm, and has not reported that reading them there failed.
    var sharedMemory = false
    /// Whether it reads query features from the run's pool itself (READY), and has not
    /// reported that reading one failed: it is sent CRCs instead of features.
    var readsPool = false
    /// Whether this worker is told to fetch views from a relay member that reads the pool
    /// (until a fetch fails: ERROR features unavailable).
    var fetchesViews = true
}

/// The workers of a run: who is connected, who is alive, who is idle (kept by `PostOffice`).
struct Membership {
    private(set) var workers: [[UInt8]: WorkerState] = [:]
    /// Bank transfers so far, per worker id (the test of "once per worker per run").
    private(set) var bankSends: [String: Int] = [:]

    var readyCount: Int { workers.values.filter(\.ready).count }

    /// Identities in a fixed order (so assignment order is reproducible in logs).
    var sortedIdentities: [[UInt8]] { workers.keys.sorted { $0.lexicographicallyPrecedes($1) } }

    subscript(identity: [UInt8]) -> WorkerState? {
        get { workers[identity] }
        set { workers[identity] = newValue }
    }

    /// Registers (or re-registers) a worker; returns what was known of it before, if anything.
    mutating func join(_ identity: [UInt8], hello: Hello, now: Date) -> WorkerState? {
        let previous = workers[identity]
        workers[identity] = WorkerState(identity: identity, hello: hello, lastSeen: now, lastSent: now)
        workers[identity]?.sharedMemory = !hello.sharedMemory.isEmpty && hello.sharedMemory == SharedMemory.namespace
        return previous
    }

    mutating func countBankSend(_ workerID: String) { bankSends[workerID, default: 0] += 1 }

    /// Removes workers silent for longer than `timeout`; returns them.
    mutating func expire(now: Date, timeout: Double) -> [WorkerState] {
        let dead = workers.values.filter { now.timeIntervalSince($0.lastSeen) > timeout }
        for w in dead { workers[w.identity] = nil }
        return dead
    }

    mutating func remove(_ identity: [UInt8]) -> WorkerState? {
        workers.removeValue(forKey: identity)
    }

    /// Workers sent nothing for `every` seconds: they are due a HEARTBEAT.
    func dueForHeartbeat(now: Date, every: Double) -> [[UInt8]] {
        sortedIdentities.filter { workers[$0].map { now.timeIntervalSince($0.lastSent) >= every } ?? false }
    }
}

/// Refused messages counted by kind (docs/PROTOCOL.md): the first of each kind is
/// logged, the rest only counted, so hostile traffic cannot flood the log.
struct Rejections {
    private(set) var byKind: [String: Int] = [:]

    /// Counts a refused message; true when it is the first of its kind.
    @discardableResult
    mutating func count(_ error: WireError) -> Bool {
        byKind[error.kind, default: 0] += 1
        return byKind[error.kind] == 1
    }

    /// Counts it, and logs it when it is the first of its kind.
    mutating func record(_ error: WireError, log: Logger) {
        if count(error) {
            log.warning("rejected a message (\(error.kind)): \(error); further \(error.kind) rejections are only counted")
        }
    }
}
