import Foundation
import Logging
import Shared

/// Settings a worker starts with; the coordinator's WELCOME overrides the timings.
struct WorkerSettings {
    var endpoint: String
    var threads: Int
    var idleExit: Double
    var reconnectMax: Double
    /// Extra seconds before each block and extraction batch (`--delay-per-block-ms`: tests
    /// that kill processes mid-run need slow steps).
    var delayPerBlock: Double = 0
    /// Bytes for views read from the pool (`worker.feature_memory`; nil: no limit).
    var featureMemory: Int?
    /// How block gradients are computed (`--compute-ms`: a fixed delay for `bench scale`).
    var computation: BlockComputation = .head
    /// Whether HELLO offers this machine's shared-memory namespace (`--no-shared-memory`:
    /// everything over the socket).
    var sharedMemory = true
    /// Whether it reads query features from the run's pool file when it can open it
    /// (`--no-pool-reads`: every view from the coordinator).
    var readsPool = true
    /// CURVE: this worker's key pair and the coordinator's public key.
    var curve: (keys: CurveKeyPair, server: String)?
    /// Exit once this process is gone (`--parent-pid`: workers a coordinator starts leave
    /// with it, even when it is killed and cannot say BYE).
    var parentPID: Int32?
    var heartbeat: Double = 1
    var timeout: Double = 10
}

/// The worker's side of the protocol: HELLO, WELCOME, BANK -> READY, PARAMS, TASK -> GRAD
/// (training) or HELLO, WELCOME -> READY, EXTRACT -> FEATURES (feature extraction), with
/// heartbeats, reconnection with backoff when the coordinator goes silent, and exit on BYE
/// or after `idleExit` seconds without a coordinator.
final class WorkerSession {
    let settings: WorkerSettings
    let context = ZMQContext()
    let log = Logger(label: "ultraad.worker")
    let workerID: String
    private var socket: ZMQSocket!
    private let compute: ComputeThread
    private let extraction: ExtractionThread

    // Run state, reset on WELCOME of a new run.
    private var runID: UInt64 = 0
    private var welcome: Welcome?
    private var bank: MemoryBank?
    private var parameters: ParameterSet?
    private var parameterVersion: UInt64 = .max
    /// The coordinator's shared-memory parameter file, once mapped, and this worker's
    /// gradient file (made once shared parameters have worked).
    private var sharedParameters: SharedVectorReader?
    private var sharedGradient: SharedVectorWriter?
    /// PARAMS pieces of the version being received.
    private var arrivingParams: (version: UInt64, assembler: PieceAssembler)?
    private var features: FeatureStore
    /// WELCOME's pool file, opened (nil: none, not readable here, or not wanted).
    private var pool: PoolViews?

    private var heartbeat: Double
    private var timeout: Double
    private var lastHeard = Date()
    private var lastSent = Date.distantPast
    private var lastCoordinator = Date()
    private var backoff = 0.1

    init(settings: WorkerSettings) throws {
        self.settings = settings
        heartbeat = settings.heartbeat
        timeout = settings.timeout
        features = FeatureStore(limit: settings.featureMemory)
        let host = ProcessInfo.processInfo.hostName
        workerID = "\(host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        compute = ComputeThread(outbox: try Outbox(context: context, name: "compute-\(workerID)"),
                                delay: settings.delayPerBlock, computation: settings.computation)
        extraction = ExtractionThread(outbox: try Outbox(context: context, name: "extract-\(workerID)"),
                                      threads: settings.threads, delay: settings.delayPerBlock)
    }

    /// Runs until BYE (returns 0) or until alone for too long (returns 0 after saying so).
    func run() throws -> Int32 {
        try openSocket()
        while true {
            let outboxes = [compute.outbox, extraction.outbox]
            let ready = try ZMQSocket.poll([socket] + outboxes.map(\.wakeups), timeout: min(heartbeat, 0.25))
            for (i, outbox) in outboxes.enumerated() where ready[i + 1] {
                for message in try outbox.take() {   // GRAD, FEATURES or ERROR from a compute thread
                    try socket.send(message.header, payload: message.payload)
                    lastSent = Date()
                }
            }
            if ready[0] {
                while let incoming = try socket.receiveEnvelope(routed: false, wait: false) {
                    if let code = try handle(incoming) { return code }
                }
            }
            let now = Date()
            if now.timeIntervalSince(lastSent) >= heartbeat, welcome != nil {
                try socket.send(.heartbeat, runID: runID)
                lastSent = now
            }
            if let parent = settings.parentPID, getppid() != parent {
                log.notice("the process that started this worker (pid \(parent)) is gone; exiting")
                return 0
            }
            if now.timeIntervalSince(lastCoordinator) > settings.idleExit {
                log.notice("no coordinator for \(Int(settings.idleExit)) s; exiting")
                return 0
            }
            if now.timeIntervalSince(lastHeard) > timeout {
                log.warning("coordinator silent for \(Int(timeout)) s; reconnecting in \(backoff) s")
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, settings.reconnectMax)
                try openSocket()
            }
        }
    }

    private func openSocket() throws {
        socket?.close()
        socket = try ZMQSocket(context, .dealer)
        try socket.setRoutingID(Array(workerID.utf8))
        if let curve = settings.curve { try socket.makeCurveClient(curve.keys, serverPublicKey: curve.server) }
        try socket.connect(settings.endpoint)
        let hello = Hello(workerID: workerID, host: ProcessInfo.processInfo.hostName, pid: UInt32(getpid()),
                          threads: UInt32(settings.threads), blasCore: BLAS.coreName,
                          bankDigest: bank == nil ? "" : (welcome?.bankDigest ?? ""),
                          sharedMemory: settings.sharedMemory ? SharedMemory.namespace : "")
        try socket.send(.hello, runID: 0, payload: hello.encoded())
        lastHeard = Date()
        lastSent = Date()
    }

    /// Handles one message; returns an exit code when the worker should stop.
    private func handle(_ incoming: Incoming) throws -> Int32? {
        let env: Envelope
        switch incoming.message {
        case .failure(let e):
            log.warning("dropped a message from the coordinator: \(e)")
            return nil
        case .success(let m): env = m
        }
        lastHeard = Date()
        lastCoordinator = lastHeard
        backoff = 0.1
        let h = env.header
        if h.type != .welcome && h.type != .bye && h.runID != runID {
            log.warning("dropped \(h.type) for run \(h.runID); this worker is in run \(runID)")
            return nil
        }
        switch h.type {
        case .welcome:
            let w = try Welcome(decoding: env.payload)
            // A new run: parameters and features are sent again; the bank only if it changed.
            if h.runID != runID {
                parameters = nil; parameterVersion = .max; features = FeatureStore(limit: settings.featureMemory); arrivingParams = nil; sharedParameters = nil; sharedGradient = nil
                pool = w.mode == .training && settings.readsPool ? openPool(w) : nil
            }
            if welcome?.bankDigest != w.bankDigest { bank = nil }
            runID = h.runID
            welcome = w
            heartbeat = w.heartbeat
            timeout = w.timeout
            log.info("joined run \(runID) for \(w.mode) (config \(w.configDigest))")
            switch w.mode {
            case .featureExtraction:   // no bank to wait for
                try socket.send(.ready, runID: runID, payload: ReadyPayload(mode: .featureExtraction, bankDigest: "").encoded())
            case .training:
                // Reconnected with this run's bank: no need to send it again. Otherwise READY
                // follows the BANK.
                if bank != nil {
                    try socket.send(.ready, runID: runID, payload: ReadyPayload(mode: .training, bankDigest: w.bankDigest,
                                                                                readsPool: pool != nil).encoded())
                }
            }
        case .bank:
            guard let w = welcome, w.mode == .training else { return nil }
            let raw = try LZ4Frame.decompress(env.payload, maxSize: 1 << 34, what: "BANK")
            let digest = BankPayload.digest(raw)
            guard digest == w.bankDigest else {
                try socket.send(.error, runID: runID,
                                payload: ErrorPayload(.badMessage, "bank digest \(digest) does not match WELCOME's \(w.bankDigest)").encoded())
                return nil
            }
            let b = try BankPayload.decode(raw)
            try b.validate(for: w.head)
            bank = b
            try socket.send(.ready, runID: runID, payload: ReadyPayload(mode: .training, bankDigest: digest,
                                                                        readsPool: pool != nil).encoded())
            log.info("bank received (\(b.count) entries, digest \(digest))")
        case .params:
            guard let w = welcome else { return nil }
            let p = try ParamsPayload(decoding: env.payload)
            let layout = ParameterLayout(head: w.head)
            var failure: ErrorPayload?
            if let shared = p.part.shared {
                do throws(WireError) {
                    guard settings.sharedMemory else {
                        throw .unexpected("PARAMS through shared memory, which this worker did not offer")
                    }
                    try receiveShared(shared, version: p.version, layout: layout)
                } catch {
                    sharedParameters = nil
                    failure = ErrorPayload(.sharedMemoryUnusable, "shared memory unusable: \(error)")
                }
            } else {
                do { try receivePiece(p, layout: layout) } catch { failure = ErrorPayload(.badMessage, "\(error)") }
            }
            if let failure {
                arrivingParams = nil
                log.warning("PARAMS: \(failure.message)")
                try socket.send(.error, runID: runID, payload: failure.encoded())
            }
        case .task:
            try startTask(env)
        case .extract:
            do {
                extraction.submit(ExtractionJob(runID: runID, batch: h.step, request: try ExtractPayload(decoding: env.payload)))
            } catch {
                try socket.send(.error, runID: runID, step: h.step, payload: ErrorPayload(.badMessage, error.description).encoded())
            }
        case .heartbeat:
            break
        case .bye:
            log.info("coordinator said BYE: \((try? TextPayload.decode(env.payload, "BYE")) ?? "")")
            return 0
        case .error:
            let report: ErrorPayload
            do { report = try ErrorPayload(decoding: env.payload) } catch {
                log.warning("dropped an ERROR from the coordinator: \(error)")
                return nil
            }
            log.warning("coordinator error (\(report.code)): \(report.message)")
            if report.code == .unknownWorker { welcome = nil; try openSocket() }
        default:
            log.warning("unexpected \(h.type) from the coordinator")
        }
        return nil
    }

    /// A PARAMS piece: appended to the version being received; complete, it becomes the
    /// parameters.
    private func receivePiece(_ p: ParamsPayload, layout: ParameterLayout) throws(WireError) {
        if p.part.offset == 0 { arrivingParams = (p.version, PieceAssembler(total: layout.totalCount)) }
        guard case (let version, var assembler)? = arrivingParams, version == p.version else {
            throw .malformed("PARAMS piece of version \(p.version) at \(p.part.offset) before its first piece")
        }
        arrivingParams = nil   // (so the assembler's buffer is not shared while it grows)
        try assembler.append(p.part, what: "PARAMS")
        if assembler.isComplete {
            parameters = ParameterSet(layout: layout, values: assembler.values)
            parameterVersion = version
            sharedGradient = nil   // the coordinator sends pieces: it wants pieces back
        } else {
            arrivingParams = (version, assembler)
        }
    }

    /// PARAMS naming the coordinator's shared-memory file: the values are copied out and
    /// checked against the CRC. A failure is answered with an ERROR of code
    /// `sharedMemoryUnusable`, after which the coordinator sends this worker pieces.
    private func receiveShared(_ shared: VectorPart.SharedLocation, version: UInt64,
                               layout: ParameterLayout) throws(WireError) {
        if sharedParameters?.path != shared.path {
            sharedParameters = nil
            sharedParameters = try SharedVectorReader(kind: .params, path: shared.path, count: layout.totalCount)
        }
        guard let values = sharedParameters?.read(crc: shared.crc) else {
            throw .malformed("shared memory \(shared.path): the values do not match PARAMS's CRC-32C")
        }
        parameters = ParameterSet(layout: layout, values: values)
        parameterVersion = version
        // Shared memory works both ways with this coordinator: gradients go back that way too.
        if sharedGradient == nil {
            sharedGradient = try? SharedVectorWriter(kind: .grad, runID: runID, count: layout.totalCount)
        }
    }

    /// WELCOME's pool file, if this worker can open it (a shared file system); a pool it
    /// cannot open only means the coordinator sends the features.
    private func openPool(_ w: Welcome) -> PoolViews? {
        guard !w.pool.isEmpty else { return nil }
        do {
            let cache = w.featureCache.isEmpty ? nil : FeatureCache(root: URL(fileURLWithPath: w.featureCache))
            let views = try PoolViews(url: URL(fileURLWithPath: w.pool), cache: cache)
            log.info("reads query features from \(w.pool)")
            return views
        } catch {
            log.info("cannot read the pool \(w.pool) here (\(error)); the coordinator sends the features")
            return nil
        }
    }

    /// `read`, or nil after telling the coordinator it failed (ERROR, features
    /// unavailable): it computes the block elsewhere and sends this worker the views from
    /// then on.
    private func readOrReport(_ ref: QueryRef, crc: UInt32) throws -> ChunkInput.Query? {
        do throws(WireError) { return try read(ref, crc: crc) } catch {
            pool = nil
            log.warning("\(error); the coordinator sends the features from now on")
            try socket.send(.error, runID: runID, payload: ErrorPayload(.featuresUnavailable, "\(error)").encoded())
            return nil
        }
    }

    /// A query view from the pool file, checked against the TASK's CRC of the coordinator's copy.
    private func read(_ ref: QueryRef, crc: UInt32) throws(WireError) -> ChunkInput.Query {
        guard let pool else { throw .unexpected("TASK: view \(ref.image)/\(ref.view) to read from a pool this worker does not read") }
        let q: ChunkInput.Query
        do { q = try pool.query(image: Int(ref.image), view: Int(ref.view)) } catch {
            throw .malformed("view \(ref.view) of image \(ref.image) from \(pool.file.path): \(error)")
        }
        let found = TaskFeature.crc(of: q)
        guard found == crc else {
            throw .malformed("view \(ref.view) of image \(ref.image) from \(pool.file.path) has CRC-32C \(found), the coordinator's \(crc): the file differs from the one it trains on")
        }
        return q
    }

    private func startTask(_ env: Envelope) throws {
        guard let w = welcome, let bank else {
            try socket.send(.error, runID: runID, payload: ErrorPayload(.badMessage, "TASK before WELCOME and BANK").encoded())
            return
        }
        let task = try TaskPayload(decoding: env.payload)
        var misses = 0, read = Set<QueryRef>()
        for (ref, feature) in task.features {
            let q: ChunkInput.Query
            var crc: UInt32?
            switch feature {
            case .inline(let sent): q = sent
            case .fromPool(let c):
                guard let found = try readOrReport(ref, crc: c) else { return }
                q = found; crc = c; misses += 1; read.insert(ref)
            }
            try ChunkInput(queries: [q]).validate(for: w.head)
            features.insert(ref, q, poolCRC: crc)
        }
        guard let parameters, parameterVersion == task.parameterVersion else {
            try socket.send(.error, runID: runID, payload: ErrorPayload(
                .badMessage, "TASK at parameter version \(task.parameterVersion) without parameters; have \(parameterVersion)").encoded())
            return
        }
        // Padding (empty chunks past the episode's end) only ever follows the real chunks.
        if let firstEmpty = task.chunks.firstIndex(where: \.isEmpty), task.chunks[firstEmpty...].contains(where: { !$0.isEmpty }) {
            try socket.send(.error, runID: runID,
                            payload: ErrorPayload(.badMessage, "TASK: chunk \(firstEmpty) is empty but a later chunk is not").encoded())
            return
        }
        var chunks = [ChunkInput](), hits = 0
        for refs in task.chunks {
            var queries = [ChunkInput.Query]()
            for ref in refs {
                if let q = features.use(ref) {
                    if !read.contains(ref) { hits += 1 }
                    queries.append(q)
                } else if let crc = features.droppedCRC(ref) {   // read from the pool before, dropped since
                    guard let q = try readOrReport(ref, crc: crc) else { return }
                    features.insert(ref, q, poolCRC: crc)
                    misses += 1; read.insert(ref)
                    queries.append(q)
                } else {
                    try socket.send(.error, runID: runID, payload: ErrorPayload(
                        .badMessage, "TASK names query image \(ref.image) view \(ref.view) whose features were never sent").encoded())
                    return
                }
            }
            chunks.append(ChunkInput(queries: queries))
        }
        features.evict(keeping: Set(task.chunks.joined()))
        compute.submit(BlockJob(runID: runID, step: env.header.step, blockStart: env.header.blockStart,
                                parameterVersion: task.parameterVersion, config: w.head,
                                parameters: parameters, bank: bank, chunks: chunks, sharedGradient: sharedGradient,
                                pieceFloats: w.pieceFloats, featureHits: hits, featureMisses: misses))
    }
}
