import Math

/// The relay (docs/PROTOCOL.md, "Relay"): in a step that uses it, the parameter vector and
/// the gradient sums are cut into one segment per worker of the step. The coordinator sends
/// each worker only its own segment of the parameters, which that worker passes on to the
/// others; each worker sends each segment of its block sums to the segment's owner, which
/// reduces them in the fixed tree and sends the coordinator the segment of the root. The
/// tree is elementwise, so a segment reduced on its own has the bits of the whole.

/// ROUTE (coordinator -> worker): this step goes through the relay, with these workers.
/// The header's step is the step (and the parameter version) it is for.
public struct RoutePayload: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var workerID: String
        /// The worker's relay socket (HELLO's) and its CURVE public key ("" without CURVE).
        public var endpoint: String
        public var publicKey: String
        /// Where its segment starts; it ends where the next member's starts (the last at `total`).
        public var segmentStart: UInt64
        public init(workerID: String, endpoint: String, publicKey: String, segmentStart: UInt64) {
            self.workerID = workerID; self.endpoint = endpoint; self.publicKey = publicKey; self.segmentStart = segmentStart
        }
    }

    /// Unique within the run: PART and SUM name it, and anything naming an older one is dropped.
    public var route: UInt64
    /// The step's chunk count: the leaves of the reduction tree each owner builds.
    public var leaves: UInt32
    /// Floats per piece within a segment (PARAMS, PART and SUM are cut at it).
    public var pieceFloats: UInt32
    /// The length of the parameter vector.
    public var total: UInt64
    /// The receiver's position in `members`.
    public var index: UInt32
    public var members: [Member]

    public init(route: UInt64, leaves: Int, pieceFloats: Int, total: Int, index: Int, members: [Member]) {
        self.route = route; self.leaves = UInt32(leaves); self.pieceFloats = UInt32(pieceFloats)
        self.total = UInt64(total); self.index = UInt32(index); self.members = members
    }

    /// Equal segments, one per member: where each starts.
    public static func segmentStarts(total: Int, members: Int) -> [UInt64] {
        (0..<members).map { UInt64($0 * total / members) }
    }

    public var me: Int { Int(index) }

    /// The values member `j` owns.
    public func segment(_ j: Int) -> Range<Int> {
        Int(members[j].segmentStart)..<(j + 1 < members.count ? Int(members[j + 1].segmentStart) : Int(total))
    }

    /// The pieces of member `j`'s segment, in order, as offsets in the whole vector.
    public func pieces(ofSegment j: Int) -> [Range<Int>] {
        let s = segment(j)
        return Pieces.ranges(count: s.count, floatsPerPiece: Int(pieceFloats)).map { ($0.lowerBound + s.lowerBound)..<($0.upperBound + s.lowerBound) }
    }

    /// Every segment's pieces in the order they are sent: piece k of every segment before
    /// piece k + 1 of any, the segments in turn from member `first` (so that every owner
    /// gets its first piece early, and senders starting at different members do not all
    /// send to the same one at once).
    public func piecesInTurn(from first: Int) -> [(member: Int, piece: Range<Int>)] {
        let n = members.count
        let pieces = (0..<n).map { self.pieces(ofSegment: $0) }
        var out = [(member: Int, piece: Range<Int>)]()
        for k in 0..<(pieces.map(\.count).max() ?? 0) {
            for d in 0..<n {
                let j = (first + d) % n
                if k < pieces[j].count { out.append((j, pieces[j][k])) }
            }
        }
        return out
    }

    /// Every segment's pieces: the pieces the whole vector arrives in.
    public var allPieces: [Range<Int>] { members.indices.flatMap { pieces(ofSegment: $0) } }

    /// The member whose segment holds `offset`.
    public func owner(of offset: Int) -> Int? {
        members.indices.last { Int(members[$0].segmentStart) <= offset }.flatMap { segment($0).contains(offset) ? $0 : nil }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u64(route); w.u32(leaves); w.u32(pieceFloats); w.u64(total); w.u32(index)
        w.u32(UInt32(members.count))
        for m in members { w.string(m.workerID); w.string(m.endpoint); w.string(m.publicKey); w.u64(m.segmentStart) }
        return w.bytes
    }

    /// At most this many members, and about this many pieces (a ROUTE asking for more is malformed).
    public static let maxMembers = 4096
    public static let maxPieces = 1 << 20

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        route = try r.u64("ROUTE route"); leaves = try r.u32("ROUTE leaves"); pieceFloats = try r.u32("ROUTE piece floats")
        total = try r.u64("ROUTE total"); index = try r.u32("ROUTE index")
        let n = try r.u32("ROUTE members")
        guard n >= 1, n <= Self.maxMembers else { throw .malformed("ROUTE: \(n) members (1 to \(Self.maxMembers))") }
        members = []
        for _ in 0..<n {
            members.append(Member(workerID: try r.string("ROUTE worker id"), endpoint: try r.string("ROUTE endpoint"),
                                  publicKey: try r.string("ROUTE public key"), segmentStart: try r.u64("ROUTE segment start")))
        }
        try r.finish("ROUTE")
        guard leaves >= 1 else { throw .malformed("ROUTE: no leaves") }
        guard pieceFloats >= 1 else { throw .malformed("ROUTE: pieces of 0 floats") }
        guard index < n else { throw .malformed("ROUTE: index \(index) of \(n) members") }
        guard total <= UInt64(Int32.max) else { throw .malformed("ROUTE: a vector of \(total) values") }
        guard total / UInt64(pieceFloats) <= UInt64(Self.maxPieces) else {
            throw .malformed("ROUTE: pieces of \(pieceFloats) floats cut \(total) values into more than \(Self.maxPieces)")
        }
        guard members[0].segmentStart == 0 else { throw .malformed("ROUTE: the first segment starts at \(members[0].segmentStart)") }
        for j in 1..<members.count where !(members[j - 1].segmentStart < members[j].segmentStart) {
            throw .malformed("ROUTE: segment \(j) starts at \(members[j].segmentStart), not after segment \(j - 1)")
        }
        guard members[members.count - 1].segmentStart < total else { throw .malformed("ROUTE: the last segment is empty") }
        guard Set(members.map(\.workerID)).count == members.count else { throw .malformed("ROUTE: a worker named twice") }
        for m in members {
            guard m.endpoint.hasPrefix("tcp://") else { throw .malformed("ROUTE: endpoint \(m.endpoint) is not tcp://HOST:PORT") }
            guard m.publicKey.isEmpty || CurveKeys.decode(m.publicKey) != nil else {
                throw .malformed("ROUTE: the public key of \(m.workerID) is not Z85")
            }
        }
    }
}

/// SEGMENT, PART and SUM: one piece of a segment, each a message of its own. SEGMENT
/// carries a piece of the parameters (coordinator -> owner, and the owner passes the same
/// bytes on to every other member); PART a piece of a block's sum (worker -> owner; the
/// header's block start and count name the tree node); SUM a piece of the root (owner ->
/// coordinator). Encoded as `u64 route`, `u64 offset` (in the whole vector), `floats`.
public struct SegmentPiece: Sendable {
    public var route: UInt64
    public var offset: UInt64
    public var values: FloatPiece

    public init(route: UInt64, offset: Int, values: FloatPiece) {
        self.route = route; self.offset = UInt64(offset); self.values = values
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 24 + values.count * 4)
        w.u64(route); w.u64(offset); w.floats(values)
        return w.bytes
    }

    public init(decoding bytes: [UInt8], _ what: String) throws(WireError) {
        var r = ByteReader(bytes)
        route = try r.u64("\(what) route"); offset = try r.u64("\(what) offset")
        values = .bytes(try r.floatBytes("\(what) values"))
        try r.finish(what)
    }
}

/// A vector that arrives as a known set of pieces, in any order (the relay's: each
/// segment's pieces come from its own owner). A piece must be one of them exactly; one
/// that came already is ignored (a resent piece carries the same values).
public struct ScatteredVector: Sendable {
    public private(set) var values: [Float]
    /// Pieces still to come: count by offset.
    private var missing: [Int: Int]
    private var arrived = Set<Int>()

    public init(total: Int, pieces: [Range<Int>]) {
        values = [Float](repeating: 0, count: total)
        missing = Dictionary(pieces.map { ($0.lowerBound, $0.count) }, uniquingKeysWith: { a, _ in a })
    }

    public var isComplete: Bool { missing.isEmpty }

    /// Stores a piece; false when it had come already.
    @discardableResult
    public mutating func fill(_ piece: FloatPiece, offset: UInt64, what: String) throws(WireError) -> Bool {
        guard offset <= UInt64(Int32.max) else { throw .malformed("\(what): piece at offset \(offset)") }
        let at = Int(offset)
        if arrived.contains(at) { return false }
        guard let count = missing[at] else { throw .malformed("\(what): no piece starts at offset \(offset)") }
        guard piece.count == count else { throw .malformed("\(what): piece of \(piece.count) values at \(offset), expected \(count)") }
        var slice = [Float]()
        slice.reserveCapacity(count)
        piece.appendValues(to: &slice)
        values.replaceSubrange(at..<(at + count), with: slice)
        missing[at] = nil
        arrived.insert(at)
        return true
    }
}

/// FETCH (worker -> member of its route) and VIEWS (the member's answer): query views a
/// worker that cannot read the pool gets from a member that does, so that they do not all
/// come through the coordinator's link. FETCH: `u64 route`, `u32 n` (1 to 4096), n x
/// (`u32 image`, `u32 view`). VIEWS: `u64 route`, `u32 n`, n x (`u32 image`, `u32 view`,
/// query), in FETCH's order.
public struct FetchPayload: Sendable, Equatable {
    public static let maxViews = 4096
    public var route: UInt64
    public var refs: [QueryRef]

    public init(route: UInt64, refs: [QueryRef]) { self.route = route; self.refs = refs }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 12 + 8 * refs.count)
        w.u64(route); w.u32(UInt32(refs.count))
        for ref in refs { w.ref(ref) }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        let n: Int
        (route, n) = try Self.routeAndCount(&r, "FETCH")
        refs = []
        for _ in 0..<n { refs.append(try r.ref("FETCH")) }
        try r.finish("FETCH")
    }

    /// FETCH's and VIEWS's start: `u64 route`, `u32 n` (1 to `maxViews`).
    static func routeAndCount(_ r: inout ByteReader, _ what: String) throws(WireError) -> (UInt64, Int) {
        let route = try r.u64("\(what) route")
        let n = Int(try r.u32("\(what) views"))
        guard (1...maxViews).contains(n) else { throw .malformed("\(what): \(n) views") }
        return (route, n)
    }
}

public struct ViewsPayload: Sendable {
    public var route: UInt64
    public var views: [(ref: QueryRef, query: ChunkInput.Query)]

    public init(route: UInt64, views: [(ref: QueryRef, query: ChunkInput.Query)]) { self.route = route; self.views = views }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u64(route); w.u32(UInt32(views.count))
        for (ref, q) in views { w.ref(ref); w.encodeQuery(q) }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        let n: Int
        (route, n) = try FetchPayload.routeAndCount(&r, "VIEWS")
        views = []
        for _ in 0..<n {
            let ref = try r.ref("VIEWS")
            views.append((ref, try r.decodeQuery("VIEWS view \(ref.view) of image \(ref.image)")))
        }
        try r.finish("VIEWS")
    }
}
