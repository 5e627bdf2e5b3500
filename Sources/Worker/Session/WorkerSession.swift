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
    /// Where the relay socket listens for other workers (`--relay-bind`; nil: this worker
    /// does not relay, and the coordinator sends it everything itself).
    var relayBind: String?
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
    private let relay: Relay?

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
        if let bind = settings.relayBind {
            relay = try Relay(context: context, bind: bind, workerID: workerID, keys: settings.curve?.keys, log: log)
        } else {
            relay = nil
        }
        if let relay { log.info("relays for other workers on \(relay.endpoint)") }
    }

    /// Runs until BYE (returns 0) or until alone for too long (returns 0 after saying so).
    func run() throws -> Int32 {
        try openSocket()
        while true {
            let outboxes = [compute.outbox, extraction.outbox]
            let relaySockets = relay?.pollables ?? []
            let ready = try ZMQSocket.poll([socket] + outboxes.map(\.wakeups) + relaySockets, timeout: min(heartbeat, 0.25))
            for (i, outbox) in outboxes.enumerated() where ready[i + 1] {
                for message in try outbox.take() {   // GRAD, PART, FEATURES or ERROR from a compute thread
                    try post(message)
                }
            }
            if let relay, ready[(1 + outboxes.count)...].contains(true) {
                while let (sender, env) = try relay.receive() { handleRelayed(env, from: sender) }
            }
            // Every turn: a held handshake is answered once a ROUTE names its key.
            try relay?.serveAuthentication()
            try relay?.flush()
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
            // The other members pass on their segments within moments; parameters still
            // missing after twice the timeout mean a member this worker cannot reach
            // (the coordinator declares a dead one gone after one timeout, and re-routes).
            let missing = relay?.step.map { !$0.parameters.isComplete || $0.waitingTask?.awaiting.isEmpty == false } ?? false
            if let step = relay?.step, missing, now.timeIntervalSince(step.adopted) > 2 * timeout {
                relay?.drop()
                log.warning("relay: step \(step.step)'s parameters or fetched views did not all arrive in \(Int(2 * timeout)) s")
                try socket.send(.error, runID: runID, payload: ErrorPayload(
                    .relayFailed, "the parameters or fetched views of step \(step.step) did not all arrive from the other members in \(Int(2 * timeout)) s").encoded())
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

    /// Sends a compute thread's message where it goes: the coordinator, another member of
    /// the relay step, or (this worker's own segment of a block sum) straight to its tree.
    private func post(_ message: Outbox.Message) throws {
        switch message.to {
        case .coordinator:
            try socket.send(message.header, payload: message.payload)
            lastSent = Date()
        case let .member(route, index):
            guard let relay, let step = relay.step, step.plan.route == route else { return }   // the step was given up
            if index == step.plan.me {
                try part(message.header, SegmentPiece(decoding: message.payload, "PART"))
            } else {
                try relay.send(message.header, payload: message.payload, to: index)
            }
        }
    }

    /// A message from another member of the relay step: a SEGMENT of the parameters, a
    /// PART of a block sum, a FETCH of views from the pool, or the VIEWS asked for. One that does not fit the step is dropped and logged: the
    /// coordinator notices a step that does not finish and takes it back.
    private func handleRelayed(_ env: Envelope, from sender: String?) {
        do throws(WireError) {
            guard env.header.runID == runID else { throw .unexpected("\(env.header.type) for run \(env.header.runID)") }
            guard let relay else { return }
            // SEGMENT and PART start with their route: one this worker's ROUTE has not come for waits.
            var r = ByteReader(env.payload)
            let route = try r.u64("\(env.header.type) route")
            if relay.keepIfEarly(env, route: route, from: sender) { return }
            if let sender, relay.step?.plan.members.contains(where: { $0.workerID == sender }) != true {
                throw .unexpected("\(env.header.type) from \(sender), not a member of this step")
            }
            switch env.header.type {
            case .segment: try segment(env, fromCoordinator: false)
            case .part: try part(env.header, SegmentPiece(decoding: env.payload, "PART"))
            case .fetch: try serveFetch(env, from: sender)
            case .views: try receiveViews(env)
            default: throw .unexpected("\(env.header.type) is not something a relay member sends")
            }
        } catch {
            log.warning("relay: dropped a message: \(error)")
        }
    }

    /// A piece of the relayed parameters. From the coordinator it is of this worker's
    /// segment, and passed on to the other members as it came (checksummed once).
    private func segment(_ env: Envelope, fromCoordinator: Bool) throws(WireError) {
        guard let relay, let w = welcome else { throw .unexpected("SEGMENT to a worker that does not relay") }
        let piece = try SegmentPiece(decoding: env.payload, "SEGMENT")
        let complete = try relay.update { (s: inout RelayStep) throws(WireError) -> Bool in
            guard piece.route == s.plan.route, env.header.step == s.step else {
                throw .unexpected("SEGMENT of route \(piece.route) at step \(env.header.step); the step is \(s.step), route \(s.plan.route)")
            }
            if fromCoordinator {
                guard s.owns(piece.offset) else { throw .malformed("SEGMENT at \(piece.offset): not this worker's segment") }
            }
            guard try s.parameters.fill(piece.values, offset: piece.offset, what: "SEGMENT") else { return false }
            return s.parameters.isComplete
        }
        guard let complete else { throw .unexpected("SEGMENT outside a relay step") }
        if fromCoordinator { try relay.forward(env.header, payload: env.payload) }
        guard complete, let s = relay.step else { return }
        parameters = ParameterSet(layout: ParameterLayout(head: w.head), values: s.parameters.values)
        parameterVersion = s.step
        if let waiting = s.waitingTask, waiting.awaiting.isEmpty { try startWaiting(waiting) }
    }

    /// Computes the waiting TASK, whose parameters and views are all here.
    private func startWaiting(_ waiting: ReceivedTask) throws(WireError) {
        _ = try relay?.update { (s: inout RelayStep) throws(WireError) in s.waitingTask = nil }
        do { try compute(waiting) } catch let e as WireError { throw e } catch {
            throw .unexpected("TASK: \(error)")
        }
    }

    /// FETCH from another member: the views, from those this worker holds or else read from
    /// the pool, go back to it in VIEWS.
    private func serveFetch(_ env: Envelope, from sender: String?) throws(WireError) {
        let fetch = try FetchPayload(decoding: env.payload)
        guard let relay, let plan = relay.step?.plan, fetch.route == plan.route, let sender,
              let index = plan.members.firstIndex(where: { $0.workerID == sender }) else {
            throw .unexpected("FETCH outside the step of its route")
        }
        var views = [(ref: QueryRef, query: ChunkInput.Query)]()
        for ref in fetch.refs {
            if let held = features.use(ref) { views.append((ref, held)); continue }
            guard let pool else {
                throw .unexpected("FETCH: view \(ref.view) of image \(ref.image), which this worker neither holds nor reads")
            }
            do { views.append((ref, try pool.query(image: Int(ref.image), view: Int(ref.view)))) } catch {
                throw .malformed("FETCH: view \(ref.view) of image \(ref.image) from \(pool.file.path): \(error)")
            }
        }
        let payload = ViewsPayload(route: plan.route, views: views).encoded()
        try relay.send(MessageHeader(type: .views, runID: runID, step: env.header.step, payload: payload), payload: payload, to: index)
    }

    /// VIEWS a member sent for the waiting TASK: each checked against the TASK's CRC and
    /// kept for good, as sent views are. One that does not match is dropped, so the step
    /// does not finish here and the relay gives up on it (never a wrong result).
    private func receiveViews(_ env: Envelope) throws(WireError) {
        let views = try ViewsPayload(decoding: env.payload)
        guard let relay, let w = welcome, let step = relay.step, views.route == step.plan.route, var waiting = step.waitingTask else {
            throw .unexpected("VIEWS with no TASK waiting for them")
        }
        for (ref, q) in views.views {
            guard let crc = waiting.awaiting[ref] else { continue }
            guard TaskFeature.crc(of: q) == crc else {
                throw .malformed("VIEWS: view \(ref.view) of image \(ref.image) has another CRC-32C than the TASK's")
            }
            do { try ChunkInput(queries: [q]).validate(for: w.head) } catch { throw .malformed("VIEWS: \(error)") }
            features.insert(ref, q, poolCRC: nil)
            waiting.awaiting[ref] = nil
        }
        _ = try relay.update { (s: inout RelayStep) throws(WireError) in s.waitingTask = waiting }
        if waiting.awaiting.isEmpty, step.parameters.isComplete { try startWaiting(waiting) }
    }

    /// A piece of a block sum for this worker's segment; the piece of the root, once its
    /// tree is complete, goes to the coordinator.
    private func part(_ header: MessageHeader, _ piece: SegmentPiece) throws(WireError) {
        guard let relay else { return }
        let root = try relay.update { (s: inout RelayStep) throws(WireError) -> SegmentPiece? in
            guard piece.route == s.plan.route else { throw .unexpected("PART of route \(piece.route) in route \(s.plan.route)") }
            return try s.insert(header, piece)
        }
        guard let root = root ?? nil else { return }
        try socket.send(.sum, runID: runID, step: header.step, payload: root.encoded())
        lastSent = Date()
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
                          sharedMemory: settings.sharedMemory ? SharedMemory.namespace : "",
                          relayEndpoint: relay?.endpoint ?? "", relayKey: relay?.publicKey ?? "")
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
                relay?.drop()
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
        case .route:
            do throws(WireError) {
                guard let relay, welcome?.mode == .training else { throw .unexpected("ROUTE to a worker that does not relay") }
                let plan = try RoutePayload(decoding: env.payload)
                guard let w = welcome, plan.total == UInt64(ParameterLayout(head: w.head).totalCount) else {
                    throw .malformed("ROUTE: a vector of \(plan.total) values, not this head's")
                }
                try relay.adopt(plan, step: h.step)
                for early in relay.takeEarly() { handleRelayed(early.envelope, from: early.sender) }
            } catch {
                relay?.drop()
                try socket.send(.error, runID: runID, payload: ErrorPayload(.relayFailed, "\(error)").encoded())
            }
        case .segment:
            do throws(WireError) { try segment(env, fromCoordinator: true) } catch {
                log.warning("SEGMENT: \(error)")
                relay?.drop()
                try socket.send(.error, runID: runID, payload: ErrorPayload(.relayFailed, "\(error)").encoded())
            }
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
        guard let w = welcome, bank != nil else {
            try socket.send(.error, runID: runID, payload: ErrorPayload(.badMessage, "TASK before WELCOME and BANK").encoded())
            return
        }
        let task = try TaskPayload(decoding: env.payload)
        // The features first: the coordinator counts them as given, whatever becomes of the block.
        var received = ReceivedTask(header: env.header, task: task)
        var fetches = [UInt32: [QueryRef]]()   // views to ask members of the route for, by member
        for (ref, feature) in task.features {
            let q: ChunkInput.Query
            var crc: UInt32?
            switch feature {
            case .inline(let sent): q = sent
            case .fromPool(let c):
                guard let found = try readOrReport(ref, crc: c) else { return }
                q = found; crc = c; received.misses += 1; received.read.insert(ref)
            case let .fromMember(c, member):
                fetches[member, default: []].append(ref)
                received.awaiting[ref] = c
                continue   // it comes in VIEWS
            }
            try ChunkInput(queries: [q]).validate(for: w.head)
            features.insert(ref, q, poolCRC: crc)
        }
        guard task.route != 0 else {
            if !fetches.isEmpty {
                try socket.send(.error, runID: runID, payload: ErrorPayload(.badMessage, "TASK: views to fetch outside the relay").encoded())
                return
            }
            return try compute(received)
        }
        guard let relay, let step = relay.step, step.plan.route == task.route, step.step == task.parameterVersion else {
            try socket.send(.error, runID: runID, payload: ErrorPayload(
                .relayFailed, "TASK of route \(task.route), which this worker was not sent").encoded())
            return
        }
        for (member, refs) in fetches.sorted(by: { $0.key < $1.key }) {
            guard Int(member) < step.plan.members.count, Int(member) != step.plan.me else {
                try socket.send(.error, runID: runID, payload: ErrorPayload(.badMessage, "TASK: views to fetch from member \(member)").encoded())
                return
            }
            for start in stride(from: 0, to: refs.count, by: FetchPayload.maxViews) {
                let payload = FetchPayload(route: task.route, refs: Array(refs[start..<min(start + FetchPayload.maxViews, refs.count)])).encoded()
                try relay.send(MessageHeader(type: .fetch, runID: runID, step: env.header.step, payload: payload), payload: payload, to: Int(member))
            }
        }
        // The rest of the parameters, or fetched views, are on their way.
        guard step.parameters.isComplete, received.awaiting.isEmpty else {
            _ = try relay.update { (s: inout RelayStep) throws(WireError) in s.waitingTask = received }
            return
        }
        try compute(received)
    }

    /// Queues a TASK's block for the compute thread, its features in hand.
    private func compute(_ received: ReceivedTask) throws {
        guard let w = welcome, let bank else { return }
        let task = received.task
        var misses = received.misses, read = received.read
        let route = task.route == 0 ? nil : relay?.step?.plan
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
        compute.submit(BlockJob(runID: runID, step: received.header.step, blockStart: received.header.blockStart,
                                parameterVersion: task.parameterVersion, config: w.head,
                                parameters: parameters, bank: bank, chunks: chunks, sharedGradient: sharedGradient,
                                pieceFloats: w.pieceFloats, featureHits: hits, featureMisses: misses, route: route))
    }
}

/// A TASK whose features are in the store: what computing its block needs besides them.
struct ReceivedTask {
    var header: MessageHeader
    var task: TaskPayload
    /// Its views read from the pool for it.
    var misses = 0
    var read = Set<QueryRef>()
    /// Views asked of other members (FETCH) that have not come yet, with the TASK's CRC.
    var awaiting: [QueryRef: UInt32] = [:]
}
