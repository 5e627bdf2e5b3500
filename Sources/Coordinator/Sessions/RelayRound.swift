import Foundation
import Shared

/// The coordinator's side of a step through the relay (docs/PROTOCOL.md, "Relay"): who
/// takes part and which segment each owns, the gradient as the owners' SUM pieces come
/// in, and which blocks have been computed.
struct RelayRound {
    /// Pieces per segment: enough that the owners send their first SUM while the rest
    /// of the PARTs still travel, so the coordinator's link works during the exchange
    /// instead of after it (capped by the session's piece size).
    static let piecesPerSegment = 8

    let route: UInt64
    /// The members' identities, in segment order, and what every one of them is told.
    let members: [[UInt8]]
    let plan: RoutePayload
    /// The gradient sum, as the owners' SUM pieces arrive.
    var sum: ScatteredVector
    /// The blocks whose GRAD (relayed) came: a tree of empty vectors, complete when every
    /// chunk is.
    var computed: ReductionTree
    /// When all blocks were in (the SUMs should follow within moments).
    var computedAt: Date?

    /// A round for `members` (each with its relay endpoint and key in HELLO).
    init(route: UInt64, members: [(identity: [UInt8], hello: Hello)], leaves: Int, total: Int, pieceFloats: Int) {
        self.route = route
        self.members = members.map(\.identity)
        let starts = RoutePayload.segmentStarts(total: total, members: members.count)
        let longest = (total + members.count - 1) / members.count   // equal segments: none is longer
        let piece = max(1, min(pieceFloats, (longest + Self.piecesPerSegment - 1) / Self.piecesPerSegment))
        var listed = [RoutePayload.Member]()
        for (m, start) in zip(members, starts) {
            listed.append(.init(workerID: m.hello.workerID, endpoint: m.hello.relayEndpoint, publicKey: m.hello.relayKey,
                                segmentStart: start))
        }
        plan = RoutePayload(route: route, leaves: leaves, pieceFloats: piece, total: total, index: 0, members: listed)
        sum = ScatteredVector(total: total, pieces: plan.allPieces)
        computed = ReductionTree(leafCount: leaves)
    }

    /// Whether these workers can share a round: at least two, every one with a relay
    /// socket, all with CURVE keys or none, and one at least on another machine. Workers
    /// that all share this machine's memory stay on it (/dev/shm is cheaper than any
    /// socket); one on this machine among remote ones relays like them, so that a node's
    /// worker beside the coordinator (a SLURM job's first node) does not send every step
    /// through the coordinator's link.
    static func canRelay(_ workers: [WorkerState], total: Int) -> Bool {
        workers.count >= 2 && workers.count <= min(RoutePayload.maxMembers, total)
            && workers.allSatisfy { !$0.hello.relayEndpoint.isEmpty }
            && workers.contains { !$0.sharedMemory }
            && Set(workers.map { $0.hello.relayKey.isEmpty }).count == 1
    }

    /// The ROUTE member `index` is sent.
    func route(for index: Int) -> RoutePayload {
        var p = plan
        p.index = UInt32(index)
        return p
    }

    var isComplete: Bool { computed.isComplete && sum.isComplete }
}
