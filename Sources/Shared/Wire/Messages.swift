import Formats
import Math

/// Payloads of the protocol's messages (docs/PROTOCOL.md), each with its encoding and a
/// strict decoder: every field is length-checked and the payload must be consumed exactly.

/// One query of a chunk: an image of the support pool and which augmented view.
public struct QueryRef: Hashable, Sendable {
    public var image: UInt32
    public var view: UInt32
    public init(image: UInt32, view: UInt32) { self.image = image; self.view = view }
}

extension ByteWriter {
    /// A query view as TASK, FETCH and VIEWS name it: `u32 image`, `u32 view`.
    mutating func ref(_ r: QueryRef) { u32(r.image); u32(r.view) }
}

extension ByteReader {
    /// What `ByteWriter.ref` wrote.
    mutating func ref(_ what: String) throws(WireError) -> QueryRef {
        QueryRef(image: try u32("\(what) image"), view: try u32("\(what) view"))
    }
}

/// HELLO (worker -> coordinator).
public struct Hello: Equatable, Sendable {
    public var workerID: String
    public var host: String
    public var pid: UInt32
    public var threads: UInt32
    public var blasCore: String
    /// Digest of the bank the worker already holds ("" for none): a worker that
    /// reconnects with the run's bank is not sent it again.
    public var bankDigest: String
    /// `SharedMemory.namespace` of the worker ("" for none): a coordinator that sees the
    /// same /dev/shm hands it the parameters there.
    public var sharedMemory: String
    /// Where the worker's relay socket listens for other workers (`tcp://HOST:PORT`; ""
    /// for a worker that does not relay), and its CURVE public key there ("" without CURVE).
    public var relayEndpoint: String
    public var relayKey: String

    public init(workerID: String, host: String, pid: UInt32, threads: UInt32, blasCore: String, bankDigest: String,
                sharedMemory: String = "", relayEndpoint: String = "", relayKey: String = "") {
        self.workerID = workerID; self.host = host; self.pid = pid; self.threads = threads
        self.blasCore = blasCore; self.bankDigest = bankDigest; self.sharedMemory = sharedMemory
        self.relayEndpoint = relayEndpoint; self.relayKey = relayKey
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.string(workerID); w.string(host); w.u32(pid); w.u32(threads); w.string(blasCore); w.string(bankDigest)
        w.string(sharedMemory); w.string(relayEndpoint); w.string(relayKey)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        workerID = try r.string("HELLO worker id"); host = try r.string("HELLO host")
        pid = try r.u32("HELLO pid"); threads = try r.u32("HELLO threads"); blasCore = try r.string("HELLO BLAS core")
        bankDigest = try r.string("HELLO bank digest"); sharedMemory = try r.string("HELLO shared memory")
        relayEndpoint = try r.string("HELLO relay endpoint"); relayKey = try r.string("HELLO relay key")
        guard relayEndpoint.isEmpty || relayEndpoint.hasPrefix("tcp://") else {
            throw .malformed("HELLO: relay endpoint \(relayEndpoint) is not tcp://HOST:PORT")
        }
        guard relayKey.isEmpty || CurveKeys.decode(relayKey) != nil else { throw .malformed("HELLO: relay key is not a Z85 public key") }
        try r.finish("HELLO")
    }
}

/// What a coordinator's run is for, in WELCOME and READY (`u8`; anything else is
/// malformed). Training has a bank, whose digest WELCOME names and READY confirms;
/// feature extraction has none, and there the digest field is "".
public enum SessionMode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case training = 1
    case featureExtraction = 2

    public var description: String {
        switch self {
        case .training: return "training"
        case .featureExtraction: return "feature extraction"
        }
    }

    /// A bank digest fits the mode: one in training, "" in feature extraction.
    func check(bankDigest: String, _ what: String) throws(WireError) {
        switch self {
        case .training where bankDigest.isEmpty:
            throw .malformed("\(what): training without a bank digest")
        case .featureExtraction where !bankDigest.isEmpty:
            throw .malformed("\(what): bank digest \(bankDigest) in feature extraction, which has no bank")
        default: break
        }
    }
}

extension ByteReader {
    mutating func sessionMode(_ what: String) throws(WireError) -> SessionMode {
        let raw = try u8("\(what) mode")
        guard let mode = SessionMode(rawValue: raw) else { throw .malformed("\(what): mode \(raw)") }
        return mode
    }
}

/// WELCOME (coordinator -> worker): the run's identity and kind, the head's sizes and the
/// components it switches off (the layout of PARAMS and GRAD follows from them), the
/// timings, the piece size for GRAD, and in training the run's pool file (and feature
/// cache), from which a worker that can open them reads query features itself.
public struct Welcome: Equatable, Sendable {
    public var configDigest: String
    public var mode: SessionMode
    /// The bank's digest in training; "" in feature extraction.
    public var bankDigest: String
    public var head: HeadConfig
    /// Seconds between heartbeats, and of silence after which a peer counts as gone.
    public var heartbeat: Double
    public var timeout: Double
    /// Floats per piece (at least 1): the coordinator's PARAMS pieces are at most this
    /// long, and the worker cuts its GRAD pieces to it.
    public var pieceFloats: Int
    /// The absolute path of the pool file the coordinator trains on, and of the feature
    /// cache a version 2 pool refers to; "" for none.
    public var pool: String
    public var featureCache: String

    public init(configDigest: String, mode: SessionMode, bankDigest: String, head: HeadConfig,
                heartbeat: Double, timeout: Double, pieceFloats: Int, pool: String = "", featureCache: String = "") {
        self.configDigest = configDigest; self.mode = mode; self.bankDigest = bankDigest; self.head = head
        self.heartbeat = heartbeat; self.timeout = timeout; self.pieceFloats = pieceFloats
        self.pool = pool; self.featureCache = featureCache
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.string(configDigest); w.u8(mode.rawValue); w.string(bankDigest)
        w.u32(UInt32(head.jointDim)); w.u32(UInt32(head.visionWidth)); w.u32(UInt32(head.adapterRank))
        w.u32(UInt32(head.classes)); w.f32(head.temperature); w.f32(head.leakySlope); w.f32(head.logitScale)
        w.int32s(head.layers.map { Int32($0) })
        w.string(HeadComponent.listText(head.ablate))
        w.f64(heartbeat); w.f64(timeout)
        w.u32(UInt32(pieceFloats))
        w.string(pool); w.string(featureCache)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        configDigest = try r.string("WELCOME config digest")
        mode = try r.sessionMode("WELCOME")
        bankDigest = try r.string("WELCOME bank digest")
        try mode.check(bankDigest: bankDigest, "WELCOME")
        let d = Int(try r.u32("WELCOME d")), width = Int(try r.u32("WELCOME D"))
        let rank = Int(try r.u32("WELCOME r")), classes = Int(try r.u32("WELCOME C"))
        let tau = try r.f32("WELCOME tau"), slope = try r.f32("WELCOME slope"), scale = try r.f32("WELCOME logit scale")
        let layers = try r.int32s("WELCOME layers").map(Int.init)
        let ablateText = try r.string("WELCOME ablate")
        let ablate: [HeadComponent]
        do { ablate = try HeadComponent.parseList(ablateText) } catch { throw .malformed("WELCOME: \(error)") }
        guard d > 0, width > 0, rank > 0, classes >= 2, !layers.isEmpty, tau > 0 else {
            throw .malformed("WELCOME: impossible head sizes d=\(d) D=\(width) r=\(rank) C=\(classes)")
        }
        head = HeadConfig(jointDim: d, visionWidth: width, layers: layers, adapterRank: rank, classes: classes)
        head.temperature = tau; head.leakySlope = slope; head.logitScale = scale; head.ablate = ablate
        heartbeat = try r.f64("WELCOME heartbeat"); timeout = try r.f64("WELCOME timeout")
        pieceFloats = Int(try r.u32("WELCOME piece floats"))
        guard pieceFloats >= 1 else { throw .malformed("WELCOME: pieces of 0 floats") }
        pool = try r.string("WELCOME pool"); featureCache = try r.string("WELCOME feature cache")
        guard mode == .training || (pool.isEmpty && featureCache.isEmpty) else {
            throw .malformed("WELCOME: a pool file in feature extraction")
        }
        try r.finish("WELCOME")
    }
}

/// READY (worker -> coordinator): the worker can be given work. In training it confirms
/// the bank's digest (FNV-1a 64 of the uncompressed bank bytes); in feature extraction,
/// which has no bank, the digest is "". `readsPool` (`u8`, 0 or 1): the worker opened
/// WELCOME's pool file and reads query features from it when a TASK says so.
public struct ReadyPayload: Equatable, Sendable {
    public var mode: SessionMode
    public var bankDigest: String
    public var readsPool: Bool

    public init(mode: SessionMode, bankDigest: String, readsPool: Bool = false) {
        self.mode = mode; self.bankDigest = bankDigest; self.readsPool = readsPool
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(mode.rawValue); w.string(bankDigest); w.u8(readsPool ? 1 : 0)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        mode = try r.sessionMode("READY")
        bankDigest = try r.string("READY bank digest")
        try mode.check(bankDigest: bankDigest, "READY")
        switch try r.u8("READY reads pool") {
        case 0: readsPool = false
        case 1 where mode == .training: readsPool = true
        case let flag: throw .malformed("READY: reads-pool flag \(flag) in \(mode)")
        }
        try r.finish("READY")
    }
}

/// What an ERROR is about (`u16`; anything else is malformed). Receivers decide on the
/// code alone; the message is for people.
public enum ErrorCode: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    /// Coordinator -> worker: the sender is not a member of this run (it never said HELLO,
    /// or was dropped). The worker reconnects and says HELLO again.
    case unknownWorker = 1
    /// Worker -> coordinator: the shared-memory PARAMS (kind 1) could not be used (or the
    /// worker offered no shared memory). The coordinator sends it PARAMS pieces from then on.
    case sharedMemoryUnusable = 2
    /// Worker -> coordinator: a BANK, PARAMS, TASK or EXTRACT the worker cannot use,
    /// malformed or not fitting what it holds (a BANK not matching WELCOME's digest, PARAMS
    /// pieces out of order, a TASK before the bank, at a parameter version it was not
    /// sent, or naming features never sent).
    case badMessage = 3
    /// Worker -> coordinator, for an EXTRACT: its backbone cannot be loaded there.
    case backboneUnavailable = 4
    /// Worker -> coordinator, for an EXTRACT: one item's image cannot be decoded. The
    /// only code that carries an item.
    case itemFailed = 5
    /// Worker -> coordinator, for an EXTRACT: the batch could not be encoded (CLIP failed).
    case extractionFailed = 6
    /// Worker -> coordinator, for a TASK: a view it was to read from the pool could not be
    /// read there, or does not match the TASK's CRC. The block is computed again, and the
    /// worker is sent features itself from then on.
    case featuresUnavailable = 7
    /// A step through the relay could not go on at this worker: its parameters did not
    /// all arrive in time (a member it cannot reach), or its ROUTE, SEGMENT or relayed TASK
    /// did not fit. The coordinator computes the step again without the relay.
    case relayFailed = 8

    public var description: String {
        switch self {
        case .unknownWorker: return "unknown worker"
        case .sharedMemoryUnusable: return "shared memory unusable"
        case .badMessage: return "bad message"
        case .backboneUnavailable: return "backbone unavailable"
        case .itemFailed: return "item failed"
        case .extractionFailed: return "extraction failed"
        case .featuresUnavailable: return "features unavailable"
        case .relayFailed: return "relay failed"
        }
    }
}

/// ERROR (both ways): `u16 code`, `u8 has item` (0 or 1), `u32 item` when it is 1, and
/// `string message`. The item (the EXTRACT item's number) is there exactly when the code
/// is `itemFailed`; anything else is malformed.
public struct ErrorPayload: Equatable, Sendable {
    public var code: ErrorCode
    public var item: UInt32?
    public var message: String

    public init(_ code: ErrorCode, item: UInt32? = nil, _ message: String) {
        self.code = code; self.item = item; self.message = message
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16(code.rawValue)
        if let item { w.u8(1); w.u32(item) } else { w.u8(0) }
        w.string(message)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        let raw = try r.u16("ERROR code")
        guard let code = ErrorCode(rawValue: raw) else { throw .malformed("ERROR: code \(raw)") }
        self.code = code
        switch try r.u8("ERROR has item") {
        case 0: item = nil
        case 1: item = try r.u32("ERROR item")
        case let flag: throw .malformed("ERROR: item flag \(flag)")
        }
        guard (item != nil) == (code == .itemFailed) else {
            throw .malformed(item == nil ? "ERROR: \(code) without an item" : "ERROR: \(code) with an item")
        }
        message = try r.string("ERROR message")
        try r.finish("ERROR")
    }
}

/// TASK (coordinator -> worker): compute the tree-order gradient sum of one aligned block
/// of chunks. The block's position is in the header (step, block start, block count).
/// The parameters come separately, in PARAMS, when the worker's copy is not the version
/// the TASK names.
public struct TaskPayload: Sendable {
    /// The parameter version (steps taken) the gradient must be computed at.
    public var parameterVersion: UInt64
    /// One entry per chunk of the block; an empty chunk is padding past the episode's end.
    public var chunks: [[QueryRef]]
    /// Queries the worker has not been given before: their features, or where to read them.
    public var features: [(QueryRef, TaskFeature)]
    /// The step's ROUTE when it goes through the relay (its parameters come as SEGMENTs,
    /// its sum goes out as PARTs); 0 when it does not.
    public var route: UInt64

    public init(parameterVersion: UInt64, chunks: [[QueryRef]], features: [(QueryRef, TaskFeature)], route: UInt64 = 0) {
        self.parameterVersion = parameterVersion; self.chunks = chunks; self.features = features; self.route = route
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u64(parameterVersion); w.u64(route)
        w.u32(UInt32(chunks.count))
        for c in chunks {
            w.u32(UInt32(c.count))
            for q in c { w.ref(q) }
        }
        w.u32(UInt32(features.count))
        for (ref, f) in features {
            w.ref(ref)
            switch f {
            case .inline(let q): w.u8(0); w.encodeQuery(q)
            case .fromPool(let crc): w.u8(1); w.u32(crc)
            case let .fromMember(crc, member): w.u8(2); w.u32(crc); w.u32(member)
            }
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        parameterVersion = try r.u64("TASK parameter version"); route = try r.u64("TASK route")
        let n = Int(try r.u32("TASK chunks"))
        guard n <= 1 << 16 else { throw .malformed("TASK: \(n) chunks") }
        chunks = []
        for _ in 0..<n {
            let m = Int(try r.u32("TASK chunk size"))
            guard m <= 1 << 16 else { throw .malformed("TASK: chunk of \(m) queries") }
            var c = [QueryRef]()
            for _ in 0..<m { c.append(try r.ref("TASK")) }
            chunks.append(c)
        }
        let f = Int(try r.u32("TASK features"))
        guard f <= 1 << 16 else { throw .malformed("TASK: \(f) feature sets") }
        features = []
        for _ in 0..<f {
            let ref = try r.ref("TASK feature")
            switch try r.u8("TASK feature kind") {
            case 0: features.append((ref, .inline(try r.decodeQuery("TASK features"))))
            case 1: features.append((ref, .fromPool(crc: try r.u32("TASK feature CRC"))))
            case 2: features.append((ref, .fromMember(crc: try r.u32("TASK feature CRC"), member: try r.u32("TASK feature member"))))
            case let kind: throw .malformed("TASK: feature kind \(kind)")
            }
        }
        try r.finish("TASK")
    }
}

/// A query of a TASK that the worker has not been given before: `u8 kind`, then kind 0:
/// its features, mask, label and source; kind 1: `u32` CRC-32C of those as kind 0 encodes
/// them, for a worker that reads the view from the run's pool itself (READY's
/// `readsPool`) and checks what it read.
public enum TaskFeature: Sendable {
    case inline(ChunkInput.Query)
    case fromPool(crc: UInt32)
    /// Kind 2: `u32` CRC-32C as for kind 1 and `u32` the index of the member of the TASK's
    /// route that reads the pool: the worker asks that member for the view (FETCH, VIEWS).
    case fromMember(crc: UInt32, member: UInt32)

    /// The CRC-32C that kind 1 gives for `query`.
    public static func crc(of query: ChunkInput.Query) -> UInt32 {
        var w = ByteWriter()
        w.encodeQuery(query)
        return CRC32C.checksum(w.bytes)
    }
}

/// The vector in PARAMS and GRAD: one piece (`Pieces`) of it, or, between processes on
/// one machine, where the whole of it is in shared memory (`SharedVectorWriter`).
/// Encoded as `u64 offset`, `u64 total`, `u8 kind`, then kind 0: `floats` (the piece),
/// kind 1: `string path`, `u32 CRC-32C` of the whole vector (offset 0); in GRAD only,
/// kind 2: nothing (offset 0): the values went to the segment owners of the step's ROUTE.
public struct VectorPart: Sendable {
    /// Where the piece starts in the vector, and the vector's length.
    public var offset: UInt64
    public var total: UInt64
    public var values: FloatPiece
    public var shared: SharedLocation?
    /// A GRAD whose sum went through the relay (PART messages to the owners).
    public var relayed = false

    public struct SharedLocation: Equatable, Sendable {
        public var path: String
        public var crc: UInt32
        public init(path: String, crc: UInt32) { self.path = path; self.crc = crc }
    }

    public static func piece(_ values: FloatPiece, offset: Int, total: Int) -> VectorPart {
        VectorPart(offset: UInt64(offset), total: UInt64(total), values: values)
    }

    public static func shared(_ location: SharedLocation, total: Int) -> VectorPart {
        VectorPart(offset: 0, total: UInt64(total), values: .floats([]), shared: location)
    }

    public static func relayed(total: Int) -> VectorPart {
        VectorPart(offset: 0, total: UInt64(total), values: .floats([]), relayed: true)
    }
}

extension ByteWriter {
    mutating func vectorPart(_ p: VectorPart) {
        u64(p.offset); u64(p.total)
        if let shared = p.shared {
            u8(1); string(shared.path); u32(shared.crc)
        } else if p.relayed {
            u8(2)
        } else {
            u8(0); floats(p.values)
        }
    }
}

extension ByteReader {
    mutating func vectorPart(_ what: String) throws(WireError) -> VectorPart {
        let offset = try u64("\(what) offset"), total = try u64("\(what) total")
        switch try u8("\(what) kind") {
        case 0: return VectorPart(offset: offset, total: total, values: .bytes(try floatBytes("\(what) values")))
        case 1:
            let shared = VectorPart.SharedLocation(path: try string("\(what) shared path"), crc: try u32("\(what) shared CRC"))
            guard offset == 0 else { throw .malformed("\(what): shared vector at offset \(offset)") }
            return VectorPart(offset: 0, total: total, values: .floats([]), shared: shared)
        case 2:
            guard offset == 0 else { throw .malformed("\(what): relayed vector at offset \(offset)") }
            return VectorPart(offset: 0, total: total, values: .floats([]), relayed: true)
        case let k: throw .malformed("\(what): kind \(k)")
        }
    }
}

/// PARAMS (coordinator -> worker): the parameters at one version (a piece of them, or
/// their shared-memory file). The same bytes go to every worker that needs that version,
/// so the coordinator encodes them once a step.
public struct ParamsPayload: Sendable {
    public var version: UInt64
    /// Of the flat layout of `ParameterLayout`.
    public var part: VectorPart

    public init(version: UInt64, part: VectorPart) { self.version = version; self.part = part }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 40 + part.values.count * 4)
        w.u64(version); w.vectorPart(part)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        version = try r.u64("PARAMS version"); part = try r.vectorPart("PARAMS")
        guard !part.relayed else { throw .malformed("PARAMS: kind 2 (relayed) is for GRAD only") }
        try r.finish("PARAMS")
    }
}

/// GRAD (worker -> coordinator): a block's gradient sum (a piece of it, or its
/// shared-memory file) with the block's loss parts (repeated in every piece).
public struct GradPayload: Sendable {
    public var parameterVersion: UInt64
    public var queries: UInt32
    public var loss: LossParts
    /// Seconds the worker spent computing (for the coordinator's share figure).
    public var computeSeconds: Double
    /// The block's queries whose view the worker held (hits), and those it read from the
    /// pool file for it, for the first time or again after dropping it (misses).
    public var featureHits: UInt32
    public var featureMisses: UInt32
    public var part: VectorPart

    public init(parameterVersion: UInt64, queries: UInt32, loss: LossParts, computeSeconds: Double,
                featureHits: UInt32 = 0, featureMisses: UInt32 = 0, part: VectorPart) {
        self.parameterVersion = parameterVersion; self.queries = queries; self.loss = loss
        self.computeSeconds = computeSeconds; self.featureHits = featureHits; self.featureMisses = featureMisses
        self.part = part
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 80 + part.values.count * 4)
        w.u64(parameterVersion); w.u32(queries)
        w.f64(loss.focal); w.f64(loss.dice); w.f64(loss.bce); w.f64(loss.ce)
        w.f64(computeSeconds)
        w.u32(featureHits); w.u32(featureMisses)
        w.vectorPart(part)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        parameterVersion = try r.u64("GRAD parameter version"); queries = try r.u32("GRAD queries")
        loss = LossParts()
        loss.focal = try r.f64("GRAD focal"); loss.dice = try r.f64("GRAD dice")
        loss.bce = try r.f64("GRAD bce"); loss.ce = try r.f64("GRAD ce")
        computeSeconds = try r.f64("GRAD seconds")
        featureHits = try r.u32("GRAD feature hits"); featureMisses = try r.u32("GRAD feature misses")
        part = try r.vectorPart("GRAD")
        try r.finish("GRAD")
    }
}

/// The frozen bank as shipped once per worker per run: encoded, then LZ4-framed. The
/// digest (FNV-1a 64 of the encoded bytes) is what the worker confirms in READY.
public enum BankPayload {
    public static func encode(_ bank: MemoryBank) -> [UInt8] {
        var w = ByteWriter()
        w.tensor(bank.t0); w.tensor(bank.pt); w.tensor(bank.ft); w.tensor(bank.lt); w.int32s(bank.source)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> MemoryBank {
        var r = ByteReader(bytes)
        let bank = MemoryBank(t0: try r.tensor("BANK T0"), pt: try r.tensor("BANK Pt"), ft: try r.tensor("BANK Ft"),
                              lt: try r.tensor("BANK Lt"), source: try r.int32s("BANK source"))
        try r.finish("BANK")
        return bank
    }

    public static func digest(_ encoded: [UInt8]) -> String { fnv1aDigest(encoded) }
}

/// A single-string payload (BYE's reason).
public enum TextPayload {
    public static func encode(_ s: String) -> [UInt8] { var w = ByteWriter(); w.string(s); return w.bytes }
    public static func decode(_ bytes: [UInt8], _ what: String) throws(WireError) -> String {
        var r = ByteReader(bytes)
        let s = try r.string(what)
        try r.finish(what)
        return s
    }
}

extension ByteWriter {
    mutating func encodeQuery(_ q: ChunkInput.Query) {
        features(q.features)
        tensor(q.mask)
        u32(UInt32(q.label)); i32(q.source)
    }
}

extension ByteReader {
    mutating func decodeQuery(_ what: String) throws(WireError) -> ChunkInput.Query {
        let f = try features(what)
        let mask = try tensor("\(what) mask")
        let label = Int(try u32("\(what) label"))
        let source = try i32("\(what) source")
        return ChunkInput.Query(features: f, mask: mask, label: label, source: source)
    }
}
