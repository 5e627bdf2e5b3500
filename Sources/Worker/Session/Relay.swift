import Foundation
import Logging
import Shared

/// A worker's part in the relay (docs/PROTOCOL.md, "Relay"): the socket other workers
/// send to (a ROUTER, a CURVE server admitting the step's members when the run uses CURVE),
/// one DEALER to each other member of the current ROUTE, and the step's state: the
/// parameters as their segments arrive, and the reduction trees of this worker's segment.
/// Lives on the socket thread.
final class Relay {
    /// What HELLO advertises: where the other workers connect, and the CURVE public key there.
    let endpoint: String
    let publicKey: String
    let listener: ZMQSocket
    private let zap: ZAPHandler?
    private let context: ZMQContext
    private let workerID: String
    private let keys: CurveKeyPair?
    /// DEALERs to the other members, by worker id, with the endpoint they were opened for.
    private var peers: [String: (endpoint: String, socket: ZMQSocket)] = [:]
    /// Messages a peer's DEALER could not take yet, in order, by worker id. A member can be
    /// sent to before it has adopted the step's ROUTE, and so before its relay admits this
    /// worker's key; a blocking send would then stop this worker's socket thread (and its
    /// heartbeats) for good. They are sent once the connection is up (`flush`), and
    /// dropped with the step.
    private var pending: [String: [(header: MessageHeader, payload: [UInt8])]] = [:]
    private(set) var step: RelayStep?
    /// Messages of a route this worker has not been sent yet: another member can pass on
    /// its segment before this worker's own ROUTE arrives (another connection). Kept until
    /// that ROUTE comes, at most `maxEarly` of them and `maxEarlyBytes` of payload (a step's
    /// segments are one parameter vector: about 10 MB for ViT-L/14@336's head).
    private var early: [(route: UInt64, envelope: Envelope, sender: String?)] = []
    private var earlyBytes = 0
    private static let maxEarly = 1 << 14
    private static let maxEarlyBytes = 256 << 20
    /// Seconds a connecting member's handshake waits for the ROUTE that names it.
    static let admissionWait = 10.0
    private let log: Logger

    /// Binds the relay socket at `bind` (`tcp://ADDRESS:PORT`, `*` for any); a wildcard
    /// address is advertised as this host's name.
    init(context: ZMQContext, bind: String, workerID: String, keys: CurveKeyPair?, log: Logger) throws(WireError) {
        self.context = context; self.workerID = workerID; self.keys = keys; self.log = log
        listener = try ZMQSocket(context, .router)
        if let keys {
            zap = try ZAPHandler(context, allowedPublicKeys: [], holdUnknown: Self.admissionWait)
            try listener.makeCurveServer(keys, domain: "ultraad-relay")
        } else {
            zap = nil
        }
        try listener.setMaxMessageSize(1 << 30)
        try listener.bind(bind)
        var bound = listener.lastEndpoint   // tcp://ADDRESS:PORT, the port resolved
        for wildcard in ["tcp://0.0.0.0:", "tcp://[::]:"] where bound.hasPrefix(wildcard) {
            bound = "tcp://\(ProcessInfo.processInfo.hostName):" + bound.dropFirst(wildcard.count)
        }
        endpoint = bound
        publicKey = keys?.publicKey ?? ""
    }

    var pollables: [ZMQSocket] { [listener] + (zap.map { [$0.pollable] } ?? []) }

    /// Answers pending CURVE handshakes, and held ones whose key a ROUTE has since named
    /// or whose wait is over (each refused key is logged).
    func serveAuthentication() throws(WireError) {
        guard let zap else { return }
        for key in try zap.serve() { log.warning("relay: refused a connection from public key \(key), not a member of this step") }
    }

    /// Takes part in a new step: connects to its members (dropping peers it no longer
    /// has), admits their keys, and starts the step's parameters and trees afresh.
    func adopt(_ plan: RoutePayload, step: UInt64) throws(WireError) {
        guard plan.members[plan.me].workerID == workerID else {
            throw .malformed("ROUTE: member \(plan.me) is \(plan.members[plan.me].workerID), not this worker")
        }
        for m in plan.members where (m.publicKey.isEmpty) != (keys == nil) {
            throw .malformed("ROUTE: \(m.workerID) \(m.publicKey.isEmpty ? "has no" : "has a") CURVE key and this worker \(keys == nil ? "has none" : "has one")")
        }
        zap?.allow(plan.members.map(\.publicKey))
        let others = plan.members.filter { $0.workerID != workerID }
        for (id, peer) in peers where !others.contains(where: { $0.workerID == id && $0.endpoint == peer.endpoint }) {
            peer.socket.close()
            peers[id] = nil
        }
        pending = [:]   // the previous step's: nothing of a new route is sent before this
        for m in others where peers[m.workerID] == nil {
            let socket = try ZMQSocket(context, .dealer)
            try socket.setRoutingID(Array(workerID.utf8))
            try socket.setUnboundedSendQueue()   // a step's pieces are few; never block the socket thread
            try socket.setNoLinger()
            if let keys { try socket.makeCurveClient(keys, serverPublicKey: m.publicKey) }
            try socket.connect(m.endpoint)
            peers[m.workerID] = (m.endpoint, socket)
        }
        self.step = RelayStep(step: step, plan: plan)
    }

    /// Keeps a message of a route newer than the current one (or when there is none).
    /// Returns false for one of an older route.
    func keepIfEarly(_ env: Envelope, route: UInt64, from sender: String?) -> Bool {
        guard route > (step?.plan.route ?? 0) else { return false }
        if early.count < Self.maxEarly, earlyBytes + env.payload.count <= Self.maxEarlyBytes {
            early.append((route, env, sender))
            earlyBytes += env.payload.count
        }
        return true
    }

    /// The kept messages of the current route with their senders, in the order they came;
    /// older ones are dropped.
    func takeEarly() -> [(envelope: Envelope, sender: String?)] {
        guard let route = step?.plan.route else { return [] }
        let now = early.filter { $0.route == route }.map { ($0.envelope, $0.sender) }
        early.removeAll { $0.route <= route }
        earlyBytes = early.map(\.envelope.payload.count).reduce(0, +)
        return now
    }

    /// Ends the step (a new run, or the coordinator gave up on the relay).
    func drop() { step = nil; pending = [:] }

    /// Sends a message to member `index` of the current step, or keeps it for `flush` when
    /// that member's connection cannot take it yet. Never blocks.
    func send(_ header: MessageHeader, payload: [UInt8], to index: Int) throws(WireError) {
        guard let plan = step?.plan, plan.members.indices.contains(index) else { return }
        let id = plan.members[index].workerID
        guard let peer = peers[id] else { return }
        if pending[id] == nil, try peer.socket.send(header, payload: payload, wait: false) { return }
        pending[id, default: []].append((header, payload))
    }

    /// Sends what `send` kept, in order, as far as each peer's connection takes it.
    func flush() throws(WireError) {
        for (id, queue) in pending {
            guard let peer = peers[id] else { pending[id] = nil; continue }
            var sent = 0
            for message in queue {
                guard try peer.socket.send(message.header, payload: message.payload, wait: false) else { break }
                sent += 1
            }
            pending[id] = sent == queue.count ? nil : Array(queue.dropFirst(sent))
        }
    }

    /// Passes a PARAMS piece of this worker's segment on to every other member.
    func forward(_ header: MessageHeader, payload: [UInt8]) throws(WireError) {
        guard let plan = step?.plan else { return }
        for j in plan.members.indices where j != plan.me { try send(header, payload: payload, to: j) }
    }

    /// The next message on the relay socket, with its sender's worker id.
    func receive() throws(WireError) -> (sender: String, envelope: Envelope)? {
        while let incoming = try listener.receiveEnvelope(routed: true, wait: false) {
            let sender = String(decoding: incoming.sender, as: UTF8.self)
            switch incoming.message {
            case .success(let env): return (sender, env)
            case .failure(let e): log.warning("relay: dropped a message from \(sender): \(e)")
            }
        }
        return nil
    }

    /// Applies `change` to the step in progress.
    func update<T>(_ change: (inout RelayStep) throws(WireError) -> T) throws(WireError) -> T? {
        guard var s = step else { return nil }
        step = nil   // (so the vectors it holds are not copied while they change)
        defer { step = s }
        return try change(&s)
    }
}

/// One step through the relay, as one worker takes part in it.
struct RelayStep {
    let step: UInt64
    let plan: RoutePayload
    /// When the ROUTE came.
    let adopted = Date()
    /// The parameters at the step's version, as their segments arrive.
    var parameters: ScatteredVector
    /// A TASK that came before the parameters were complete.
    var waitingTask: ReceivedTask?
    /// The reduction tree of each piece of this worker's segment, by the piece's offset
    /// (kept once complete, so that a late copy of a block is recognised and ignored).
    private var trees: [Int: (count: Int, tree: ReductionTree)] = [:]

    init(step: UInt64, plan: RoutePayload) {
        self.step = step
        self.plan = plan
        parameters = ScatteredVector(total: Int(plan.total), pieces: plan.allPieces)
        for piece in plan.pieces(ofSegment: plan.me) {
            trees[piece.lowerBound] = (piece.count, ReductionTree(leafCount: Int(plan.leaves)))
        }
    }

    /// Whether a PARAMS piece at `offset` is of this worker's segment (to be passed on).
    func owns(_ offset: UInt64) -> Bool { plan.segment(plan.me).contains(Int(clamping: offset)) }

    /// A PART: one piece of a block's sum, for this worker's segment. When it completes
    /// the piece's tree, returns the root's piece for the coordinator (SUM).
    mutating func insert(_ header: MessageHeader, _ part: SegmentPiece) throws(WireError) -> SegmentPiece? {
        guard header.step == step else { throw .malformed("PART for step \(header.step) in step \(step)") }
        guard part.offset <= UInt64(Int32.max), let length = trees[Int(part.offset)]?.count else {
            throw .malformed("PART at offset \(part.offset): no piece of this worker's segment starts there")
        }
        guard part.values.count == length else {
            throw .malformed("PART: \(part.values.count) values at \(part.offset), the piece has \(length)")
        }
        let start = Int(header.blockStart), count = Int(header.blockCount)
        guard trees[Int(part.offset)]!.tree.isAlignedBlock(start: start, count: count) else {
            throw .malformed("PART: block (\(start), \(count)) is not an aligned block of \(plan.leaves) leaves")
        }
        // A block sent twice (its worker was replaced) carries the same bits: keep the first.
        guard !trees[Int(part.offset)]!.tree.overlaps(start: start, count: count) else { return nil }
        // Taken out while it grows, so its node vectors have one owner and are summed in place.
        var tree = trees.removeValue(forKey: Int(part.offset))!.tree
        tree.insert(start: start, count: count, sum: part.values.values)
        let root = tree.isComplete ? tree.root() : nil
        trees[Int(part.offset)] = (length, tree)
        guard let root else { return nil }
        return SegmentPiece(route: plan.route, offset: Int(part.offset), values: .floats(root[...]))
    }
}
