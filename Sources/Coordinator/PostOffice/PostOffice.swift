import Foundation
import Logging
import Shared

/// The postoffice between the van (`CoordinatorSocket`: frames on a ROUTER socket) and a
/// session (training or feature extraction), written once for both: who is connected and
/// ready (HELLO -> WELCOME, BANK when the session has one, READY), heartbeats and expiry,
/// deliver-or-drop, and the rejection of anything malformed, out of place or from a
/// stranger. A session sees only `Event`s: who joined, who left (its work is to be given
/// to others), and the messages that are its own business (GRAD, FEATURES, ERROR).
final class PostOffice {
    enum Event {
        /// A worker said HELLO; `previous` is what was known of it if it had (it dropped
        /// whatever it held).
        case joined([UInt8], previous: WorkerState?)
        /// A worker is gone: silent past the timeout, said BYE, or unreachable.
        case left(WorkerState)
        /// A message from a known worker for the session to handle.
        case message([UInt8], Envelope)
    }

    /// The bank a training session ships once to each worker: the LZ4 frame and the digest
    /// of what it holds.
    struct Bank {
        let frame: [UInt8]
        let digest: String
    }

    let runID = UInt64.random(in: 1...UInt64.max)
    let socket: CoordinatorSocket
    /// The workers; sessions keep their own per-worker state in it.
    var members = Membership()
    private(set) var rejected = Rejections()
    private let welcome: Welcome
    private let bank: Bank?
    private let log: Logger
    private var waiting: WaitingNotice
    /// Departures found while delivering, reported by the next `poll`.
    private var departed: [WorkerState] = []

    var heartbeat: Double { welcome.heartbeat }
    var timeout: Double { welcome.timeout }

    /// Binds the socket. `welcome` is what every worker is told (its mode says which
    /// session this is); `bank` is sent to each worker that does not hold it yet.
    init(_ settings: ClusterConfig.CoordinatorSettings, welcome: Welcome, bank: Bank?, localWorkers: Int,
         folder: SessionFolder, log: Logger) throws {
        self.welcome = welcome
        self.bank = bank
        self.log = log
        socket = try CoordinatorSocket(settings, localWorkers: localWorkers, folder: folder, log: log)
        waiting = WaitingNotice(localWorkers: localWorkers, endpoint: socket.endpoint, curve: settings.curve)
    }

    /// Waits up to `wait` seconds for messages and handles the postoffice's own, expires
    /// silent workers and sends the heartbeats due; returns the events for the session.
    func poll(wait: Double) throws -> [Event] {
        var events = [Event]()
        if try socket.wait(timeout: wait) {
            while let incoming = try socket.receive() {
                if let event = handle(incoming) { events.append(event) }
            }
        }
        let now = Date()
        for dead in members.expire(now: now, timeout: timeout) {
            log.warning("worker \(dead.hello.workerID) silent for \(timeout) s: dead")
            events.append(.left(dead))
        }
        for id in members.dueForHeartbeat(now: now, every: heartbeat) where deliver(.heartbeat, to: id) {
            members[id]?.lastSent = now
        }
        events += departed.map { .left($0) }
        departed = []
        return events
    }

    /// Sends to one worker. A peer that has gone away (libzmq: host unreachable) is dropped
    /// and reported as `.left` by the next `poll`: a worker's failure, not the coordinator's.
    @discardableResult
    func deliver(_ header: MessageHeader, payload: [UInt8], to id: [UInt8]) -> Bool {
        do {
            try socket.router.send(header, payload: payload, to: id)
            return true
        } catch {
            if let gone = members.remove(id) {
                log.warning("worker \(gone.hello.workerID) unreachable (\(error)): dropped")
                departed.append(gone)
            }
            return false
        }
    }

    @discardableResult
    func deliver(_ type: MessageType, to id: [UInt8], step: UInt64 = 0, block: Block? = nil, payload: [UInt8] = []) -> Bool {
        deliver(MessageHeader(type: type, runID: runID, step: step, blockStart: UInt32(block?.start ?? 0),
                              blockCount: UInt32(block?.count ?? 0), payload: payload),
                payload: payload, to: id)
    }

    /// BYE to every worker.
    func sayBye(_ reason: String) {
        for id in members.sortedIdentities { deliver(.bye, to: id, payload: TextPayload.encode(reason)) }
    }

    /// Counts a refused message (the first of its kind is logged).
    func reject(_ error: WireError) { rejected.record(error, log: log) }

    /// Counts a refused message that the session logs itself.
    func count(_ error: WireError) { rejected.count(error) }

    /// While fewer than `needed` workers are ready: the notice with the worker command.
    func remindWaiting(needed: Int) { waiting.remind(ready: members.readyCount, needed: needed, log: log) }

    private func handle(_ incoming: Incoming) -> Event? {
        let env: Envelope
        switch incoming.message {
        case .failure(let e): reject(e); return nil
        case .success(let m): env = m
        }
        let id = incoming.sender, h = env.header
        if h.type == .hello {
            do { return try hello(id, Hello(decoding: env.payload)) } catch { reject(error); return nil }
        }
        guard h.runID == runID else { reject(.wrongRun(h.runID)); return nil }
        guard let w = members[id] else {
            reject(.unexpected("\(h.type) from an unknown worker"))
            deliver(.error, to: id, payload: ErrorPayload(.unknownWorker, "unknown worker: say HELLO").encoded())
            return nil
        }
        members[id]?.lastSeen = Date()
        switch h.type {
        case .ready:
            do throws(WireError) {
                let ready = try ReadyPayload(decoding: env.payload)
                guard ready.mode == welcome.mode, ready.bankDigest == (bank?.digest ?? "") else {
                    throw WireError.unexpected("READY for \(ready.mode) with bank digest \(ready.bankDigest)")
                }
                members[id]?.ready = true
                members[id]?.readsPool = ready.readsPool
                log.info("worker \(w.hello.workerID) ready (\(members.readyCount) ready)\(ready.readsPool ? ", reads the pool file itself" : "")")
            } catch { reject(error) }
            return nil
        case .heartbeat:
            return nil
        case .bye:
            return members.remove(id).map { .left($0) }
        case .grad, .sum, .features, .error:
            return .message(id, env)
        default:
            reject(.unexpected("\(h.type) is not something a worker sends"))
            return nil
        }
    }

    private func hello(_ id: [UInt8], _ hello: Hello) -> Event? {
        let previous = members.join(id, hello: hello, now: Date())
        guard deliver(.welcome, to: id, payload: welcome.encoded()) else { return .joined(id, previous: previous) }
        if let bank, hello.bankDigest != bank.digest {
            guard deliver(.bank, to: id, payload: bank.frame) else { return .joined(id, previous: previous) }
            members.countBankSend(hello.workerID)
        }
        var details = "\(hello.host), pid \(hello.pid), \(hello.threads) threads"
        if welcome.mode == .training { details += ", BLAS \(hello.blasCore)" }
        if welcome.mode == .training, members[id]?.sharedMemory == true { details += ", parameters and gradients through shared memory" }
        if welcome.mode == .training, !hello.relayEndpoint.isEmpty { details += ", relays on \(hello.relayEndpoint)" }
        log.info("worker \(hello.workerID) joined (\(details))")
        return .joined(id, previous: previous)
    }
}
