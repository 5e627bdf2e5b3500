import Foundation
import Logging
import Shared

/// The coordinator's session for training: block assignment, parameters to the workers,
/// the reduction tree, AdamW, metrics and checkpoints, over the `PostOffice` (membership,
/// the bank, heartbeats). Single-threaded: it only moves bytes and adds arrays; the
/// workers compute.
final class TrainingCoordinator {
    let config: ClusterConfig
    /// What checkpoints are written under (`TrainRun`): the result-changing settings and the pool.
    let runDigest: String
    let session: SessionTuning
    let prepared: PreparedPool
    let head: HeadConfig
    let folder: RunFolder
    /// RUN/tensorboard: a scalar event per step beside metrics.jsonl.
    let events: TensorBoardWriter
    let log = Logger(label: "ultraad.coordinator")
    let office: PostOffice
    var listener: CoordinatorSocket { office.socket }
    private var runID: UInt64 { office.runID }
    private var members: Membership {
        get { office.members }
        set { office.members = newValue }
    }
    private var parameters: ParameterSet
    private var optimizer: AdamW
    private let sampler: EpisodeSampler
    private var current: StepState?
    /// The parameters at one version as sent: PARAMS pieces encoded so far, and whether
    /// the shared-memory file holds them.
    private var encodedParams: (version: UInt64, pieces: [(header: MessageHeader, payload: [UInt8])], published: Bool) = (.max, [], false)
    private var sharedWriter: SharedVectorWriter?
    private var sharedUnavailable = false
    /// Workers' shared-memory gradient files, mapped, by path.
    private var gradientFiles: [String: SharedVectorReader] = [:]
    private var lateResults = 0
    private var progress: Progress
    /// The step of the last checkpoint this run wrote.
    private var checkpointedStep: Int?
    /// Each query view's CRC (`TaskFeature.crc`), computed when a worker that reads the
    /// pool first needs it.
    private var viewCRCs: [QueryRef: UInt32] = [:]
    /// The socket's byte counts when the previous step ended (metrics' bytes_in, bytes_out).
    private var countedBytes = (received: 0, sent: 0)
    /// Relay rounds started so far (each ROUTE's id is the next).
    private var routes: UInt64 = 0
    /// Why steps no longer go through the relay (nil: they do, where the workers can).
    private var relayOff: String?

    private var steps: Int { config.train.steps }

    /// `bank`: the pool's bank as BankPayload encodes it, with its digest. `poolFile`: where
    /// `prepared` was read from (and its feature cache, for a version 2 pool), for workers
    /// that can read it themselves.
    init(config: ClusterConfig, prepared: PreparedPool, poolFile: (url: URL, cache: URL?)?, bank raw: [UInt8], bankDigest: String,
         head: HeadConfig, runDigest: String,
         parameters: ParameterSet, optimizer: AdamW, folder: RunFolder, events: TensorBoardWriter, localWorkers: Int = 0,
         session: SessionTuning = .init(), quiet: Bool = false) throws {
        self.config = config; self.runDigest = runDigest; self.session = session
        self.prepared = prepared; self.head = head; self.folder = folder; self.events = events
        self.parameters = parameters; self.optimizer = optimizer
        sampler = EpisodeSampler(seed: config.run.seed, queriesPerClass: config.train.queriesPerClass,
                                 chunkSize: config.train.chunkSize)
        let bank = PostOffice.Bank(frame: try LZ4Frame.compress(raw, what: "bank"), digest: bankDigest)
        let welcome = Welcome(configDigest: runDigest, mode: .training, bankDigest: bank.digest, head: head,
                              heartbeat: config.coordinator.heartbeat.seconds, timeout: config.coordinator.workerTimeout.seconds,
                              pieceFloats: session.pieceFloats, pool: poolFile?.url.standardizedFileURL.path ?? "",
                              featureCache: poolFile?.cache?.standardizedFileURL.path ?? "")
        office = try PostOffice(config.coordinator, welcome: welcome, bank: bank, localWorkers: localWorkers,
                                folder: folder.session, log: log)
        progress = Progress(total: config.train.steps, quiet: quiet, log: log, logEvery: config.train.logEvery.seconds)
        log.info("listening \(office.socket.listeningOn) (run \(office.runID), bank \(bank.digest), \(bank.frame.count) bytes LZ4)")
    }

    /// Trains until `train.steps`; returns the final parameters. With `stopsOnSignal`,
    /// SIGINT and SIGTERM end it early with `TrainingStopped` (see `stop(signal:)`).
    func run(stopsOnSignal: Bool = false) throws -> ParameterSet {
        if stopsOnSignal { StopRequest.install() }
        defer { if stopsOnSignal { StopRequest.uninstall() } }
        while optimizer.step < steps || current != nil {
            if stopsOnSignal, let sig = StopRequest.received { throw try stop(signal: sig) }
            // Right after a step the next one can start at once: do not wait on the socket.
            let wait = current == nil && optimizer.step < steps && members.readyCount > 0 ? 0 : min(office.heartbeat / 2, 0.05)
            for event in try office.poll(wait: wait) { try handle(event) }
            if current == nil, optimizer.step < steps {
                let needed = optimizer.step == 0 || members.readyCount == 0 ? config.coordinator.minWorkers : 1
                if members.readyCount >= needed { startStep(now: Date()) } else { office.remindWaiting(needed: needed) }
            }
            try assignBlocks()
            checkRelay(now: Date())
            if let s = current, s.isComplete { try finishStep(s) }
        }
        office.sayBye("training finished")
        progress.finish()
        return parameters
    }

    /// Stops on SIGINT or SIGTERM: the step in progress is dropped (its blocks would need
    /// the workers for seconds more), the last finished step is checkpointed unless it
    /// already is, and the workers are told to leave.
    private func stop(signal sig: Int32) throws -> TrainingStopped {
        current = nil
        let step = optimizer.step
        var checkpoint: URL?
        if step > 0 {
            if checkpointedStep != step { try writeCheckpoint() }
            checkpoint = folder.checkpointURL(step: step)
        }
        office.sayBye("training stopped by \(StopRequest.name(sig))")
        progress.finish()
        return TrainingStopped(signal: sig, step: step, checkpoint: checkpoint)
    }

    // MARK: - Messages

    /// A worker that left or said HELLO again has dropped its block: it is computed again.
    private func handle(_ event: PostOffice.Event) throws {
        switch event {
        case let .joined(id, previous):
            if relayMember(id) { restartRelayedStep("worker \(previous?.hello.workerID ?? "?") said HELLO again") }
            else if let a = previous?.assignment { requeue(a) }
        case let .left(worker):
            if relayMember(worker.identity) { restartRelayedStep("worker \(worker.hello.workerID) is gone") }
            else if let a = worker.assignment { requeue(a) }
        case let .message(id, env):
            do {
                switch env.header.type {
                case .grad: try grad(id, env.header, try GradPayload(decoding: env.payload))
                case .sum: try sum(id, env.header, try SegmentPiece(decoding: env.payload, "SUM"))
                case .error: try error(id, try ErrorPayload(decoding: env.payload))
                default: throw WireError.unexpected("\(env.header.type) is not something a training worker sends")
                }
            } catch let e as WireError {
                office.reject(e)
            }
        }
    }

    private func requeue(_ a: (step: Int, block: Block)) {
        if a.step == current?.step { current?.requeue(a.block) }
    }

    /// A worker's ERROR: whatever it was, its block is computed again, and it is sent the
    /// parameters and features afresh; shared memory stops for it when that failed.
    private func error(_ id: [UInt8], _ report: ErrorPayload) throws(WireError) {
        switch report.code {
        case .sharedMemoryUnusable, .badMessage, .featuresUnavailable, .relayFailed: break
        case .unknownWorker, .backboneUnavailable, .itemFailed, .extractionFailed:
            throw WireError.unexpected("ERROR (\(report.code)) is not something a training worker sends")
        }
        guard let w = members[id] else { return }
        log.warning("worker \(w.hello.workerID) reports (\(report.code)): \(report.message)")
        if report.code == .relayFailed, relayOff == nil {
            relayOff = "worker \(w.hello.workerID) could not take part (\(report.message))"
            log.warning("steps no longer go through the relay: \(relayOff!)")
        }
        if relayMember(id) { restartRelayedStep("worker \(w.hello.workerID) reported \(report.code)") }
        else if let a = w.assignment { requeue(a) }
        members[id]?.assignment = nil
        members[id]?.parameterVersion = nil
        members[id]?.sentFeatures = []
        members[id]?.keptFeatures = []
        members[id]?.servableFeatures = []
        if report.code == .sharedMemoryUnusable { members[id]?.sharedMemory = false }
        if report.code == .featuresUnavailable { members[id]?.readsPool = false; members[id]?.fetchesViews = false }
    }

    private func grad(_ id: [UInt8], _ h: MessageHeader, _ g: GradPayload) throws {
        guard var s = current, let a = members[id]?.assignment,
              a.step == s.step, Int(h.step) == s.step, a.block.start == Int(h.blockStart),
              a.block.count == Int(h.blockCount), g.parameterVersion == UInt64(s.step) else {
            lateResults += 1
            return
        }
        // While the tree grows, `s` is its only holder, so its nodes are summed in place
        // rather than copied first.
        current = nil
        defer { current = s }
        if s.relay != nil || g.part.relayed {
            guard s.relay != nil, g.part.relayed, g.part.total == UInt64(parameters.layout.totalCount) else {
                members[id]?.assignment = nil
                s.requeue(a.block)
                throw WireError.malformed(s.relay == nil ? "GRAD: relayed, in a step that does not use the relay"
                                                         : "GRAD: values in a step through the relay (they go to the segment owners)")
            }
            members[id]?.assignment = nil
            members[id]?.servableFeatures = members[id]?.keptFeatures ?? []
            s.relay?.computed.insert(start: a.block.start, count: a.block.count, sum: [])
            if s.relay?.computed.isComplete == true { s.relay?.computedAt = Date() }
            s.count(g)
            return
        }
        let sum: [Float]
        do {
            if let shared = g.part.shared {
                sum = try sharedGradient(shared, total: g.part.total, from: id)
            } else {
                // Taken out of the member while it grows, so its buffer is never shared (copied).
                var gradient = members[id]?.gradient ?? PieceAssembler(total: parameters.layout.totalCount)
                members[id]?.gradient = nil
                try gradient.append(g.part, what: "GRAD for block \(a.block)")
                guard gradient.isComplete else {
                    members[id]?.gradient = gradient
                    return
                }
                sum = gradient.values
            }
        } catch {
            members[id]?.assignment = nil   // a block answered with a malformed GRAD is computed again
            s.requeue(a.block)
            throw error
        }
        members[id]?.assignment = nil
        members[id]?.servableFeatures = members[id]?.keptFeatures ?? []
        s.tree.insert(start: a.block.start, count: a.block.count, sum: sum)
        s.count(g)
    }

    /// A SUM: a piece of the gradient's root from the owner of its segment.
    private func sum(_ id: [UInt8], _ h: MessageHeader, _ piece: SegmentPiece) throws(WireError) {
        guard var s = current, var r = s.relay, piece.route == r.route, Int(h.step) == s.step,
              let j = r.members.firstIndex(of: id) else {
            lateResults += 1
            return
        }
        guard piece.offset <= UInt64(Int32.max), r.plan.owner(of: Int(piece.offset)) == j else {
            throw .malformed("SUM at \(piece.offset): not the sender's segment")
        }
        current = nil   // (the sum is filled in place)
        s.relay = nil
        defer { s.relay = r; current = s }
        try r.sum.fill(piece.values, offset: piece.offset, what: "SUM")
    }

    // MARK: - The relay

    private func relayMember(_ id: [UInt8]) -> Bool { current?.relay?.members.contains(id) ?? false }

    /// Computes the step again from the start: a member of its relay round left or
    /// failed, and its segment of the parameters or of the gradient may be lost with it.
    /// Nothing of the round is kept; every block's bits come out the same again.
    private func restartRelayedStep(_ reason: String) {
        guard let s = current, let r = s.relay else { return }
        log.warning("step \(s.step + 1): \(reason) during its relay round; the step starts again")
        for id in r.members where members[id]?.assignment?.step == s.step { members[id]?.assignment = nil }
        current = nil
        startStep(now: s.started)
    }

    /// A round whose blocks are all computed but whose SUMs have not all come within
    /// twice the worker timeout is given up: the step is computed again through the
    /// coordinator, and so are the steps after it.
    private func checkRelay(now: Date) {
        guard let r = current?.relay, let at = r.computedAt,
              now.timeIntervalSince(at) > 2 * config.coordinator.workerTimeout.seconds else { return }
        relayOff = "the gradient segments of step \(current!.step + 1) did not all come"
        log.warning("steps no longer go through the relay: \(relayOff!)")
        restartRelayedStep("its segments did not all come")
    }

    /// Starts a relay round for the step: each member gets its ROUTE, then the pieces of
    /// its segment of the parameters, piece k of every segment before piece k + 1 of any.
    private func startRound(_ r: RelayRound, step: Int) {
        let version = UInt64(step)
        for (i, id) in r.members.enumerated() {
            _ = office.deliver(.route, to: id, step: version, payload: r.route(for: i).encoded())
        }
        for (j, range) in r.plan.piecesInTurn(from: 0) {
            let payload = SegmentPiece(route: r.route, offset: range.lowerBound, values: .floats(parameters.values[range])).encoded()
            _ = office.deliver(.segment, to: r.members[j], step: version, payload: payload)
        }
        for id in r.members { members[id]?.lastSent = Date() }
    }

    /// A block's gradient from the worker's shared-memory file (mapped once per path). A
    /// file that cannot be read or does not match the CRC stops shared memory for that
    /// worker: it gets PARAMS pieces from now on, and answers with GRAD pieces.
    private func sharedGradient(_ shared: VectorPart.SharedLocation, total: UInt64, from id: [UInt8]) throws(WireError) -> [Float] {
        let count = parameters.layout.totalCount
        do throws(WireError) {
            guard total == UInt64(count) else { throw WireError.malformed("GRAD: \(total) values, expected \(count)") }
            let reader: SharedVectorReader
            if let known = gradientFiles[shared.path] { reader = known } else {
                reader = try SharedVectorReader(kind: .grad, path: shared.path, count: count)
                gradientFiles[shared.path] = reader
            }
            guard let values = reader.read(crc: shared.crc) else {
                throw WireError.malformed("GRAD: \(shared.path) does not match its CRC-32C")
            }
            return values
        } catch {
            members[id]?.sharedMemory = false
            members[id]?.parameterVersion = nil
            gradientFiles[shared.path] = nil
            throw error
        }
    }

    // MARK: - Steps

    private func startStep(now: Date) {
        let picks = sampler.chunks(step: optimizer.step, pool: prepared.pool, classes: head.classes)
        let chunks = picks.map { $0.map { QueryRef(image: UInt32($0.image), view: UInt32($0.view)) } }
        let limits = session.stepWorkerLimits
        let workers = limits.isEmpty ? members.readyCount : min(members.readyCount, limits[optimizer.step % limits.count])
        var s = StepState(step: optimizer.step, chunks: chunks, workers: workers, now: now)
        if config.coordinator.relay, relayOff == nil {
            let ready = members.sortedIdentities.compactMap { members[$0] }.filter(\.ready).prefix(min(workers, s.pending.count))
            let total = parameters.layout.totalCount
            if RelayRound.canRelay(Array(ready), total: total) {
                routes += 1
                s.relay = RelayRound(route: routes, members: ready.map { ($0.identity, $0.hello) }, leaves: chunks.count,
                                     total: total, pieceFloats: session.pieceFloats)
                startRound(s.relay!, step: s.step)
            }
        }
        current = s
    }

    private func assignBlocks() throws {
        guard var s = current, !s.pending.isEmpty else { return }
        let version = UInt64(s.step)
        // Through the relay only the round's members compute (they hold the parameters).
        let receivers = (s.relay?.members ?? members.sortedIdentities)
            .filter { members[$0]?.ready == true && members[$0]?.assignment == nil }
            .prefix(s.pending.count)
        if s.relay == nil {
            let stale = receivers.filter { members[$0]?.parameterVersion != version }
            for id in sendParams(version: version, to: Array(stale)) { members[id]?.parameterVersion = version }
        }
        // The round's members that read the pool (their indices in its ROUTE): the others
        // fetch their views from them, or from a member that keeps the view, rather than
        // through this link. With no reader, a view crosses this link once.
        let round = s.relay?.members ?? []
        let sources = round.indices.filter { members[round[$0]]?.readsPool == true }.map(UInt32.init)
        for id in receivers {
            guard let w = members[id], s.relay != nil || w.parameterVersion == version, !s.pending.isEmpty else { continue }
            let block = s.pending.removeFirst()
            let lists = s.chunkLists(block)
            var newFeatures = [(QueryRef, TaskFeature)]()
            var read = 0, relayed = 0   // of them, views the worker reads from the pool, or fetches
            var sent = w.sentFeatures, kept = w.keptFeatures
            let me = round.firstIndex(of: id).map(UInt32.init)
            let readers = sources.filter { $0 != me }
            for ref in lists.joined() where !sent.contains(ref) {
                let image = prepared.pool.images[Int(ref.image)]
                let query = ChunkInput.Query(features: image.views[Int(ref.view)], mask: image.masks[Int(ref.view)],
                                             label: image.label, source: image.id)
                // The CRC of the view as kind 0 would carry it, computed once per view.
                func crc() -> UInt32 {
                    if let known = viewCRCs[ref] { return known }
                    let c = TaskFeature.crc(of: query)
                    viewCRCs[ref] = c
                    return c
                }
                // A member to fetch it from: the pool readers and the members that keep it,
                // each view from one of them, spread over them (so that a lone reader does
                // not serve every fetch of the run).
                func giver() -> UInt32? {
                    guard w.fetchesViews else { return nil }
                    let keepers = round.indices.filter {
                        UInt32($0) != me && members[round[$0]]?.servableFeatures.contains(ref) == true
                    }.map(UInt32.init)
                    let givers = Array(Set(readers + keepers)).sorted()
                    return givers.isEmpty ? nil : givers[Int((ref.image &+ ref.view) % UInt32(givers.count))]
                }
                if w.readsPool {
                    newFeatures.append((ref, .fromPool(crc: crc())))
                    read += 1
                } else if let member = giver() {
                    newFeatures.append((ref, .fromMember(crc: crc(), member: member)))
                    relayed += 1
                    kept.insert(ref)
                } else {
                    newFeatures.append((ref, .inline(query)))
                    kept.insert(ref)
                }
                sent.insert(ref)
            }
            let task = TaskPayload(parameterVersion: version, chunks: lists, features: newFeatures, route: s.relay?.route ?? 0)
            guard office.deliver(.task, to: id, step: UInt64(s.step), block: block, payload: task.encoded()) else {
                s.requeue(block)
                continue
            }
            members[id]?.assignment = (s.step, block)
            members[id]?.sentFeatures = sent
            members[id]?.keptFeatures = kept
            s.featuresRead += read
            s.featuresRelayed += relayed
            s.featuresSent += newFeatures.count - read - relayed
            members[id]?.lastSent = Date()
        }
        current = s
    }

    /// Sends the parameters at `version` to `ids`: through shared memory to the workers on
    /// this machine (one write here, one read there), as PARAMS pieces to the others,
    /// piece by piece to all of them, so the first piece is on the wire while the next is
    /// encoded. The file is written, and each piece encoded and checksummed, once per
    /// version; the socket sends pieces without copying. Returns the workers that were
    /// sent everything.
    private func sendParams(version: UInt64, to ids: [[UInt8]]) -> [[UInt8]] {
        guard !ids.isEmpty else { return [] }
        let total = parameters.values.count
        if encodedParams.version != version { encodedParams = (version, [], false) }
        var local = ids.filter { members[$0]?.sharedMemory == true }
        if !local.isEmpty, let shared = sharedParameters() {
            if !encodedParams.published {
                shared.publish(parameters.values)
                encodedParams.published = true
            }
            let payload = ParamsPayload(version: version,
                                        part: .shared(.init(path: shared.path, crc: shared.crc), total: total)).encoded()
            local = local.filter { office.deliver(.params, to: $0, step: version, payload: payload) }
        } else {
            for id in local { members[id]?.sharedMemory = false }   // no file: they get pieces below
            local = []
        }
        var remote = ids.filter { members[$0]?.sharedMemory != true }
        for (i, piece) in Pieces.ranges(count: total, floatsPerPiece: session.pieceFloats).enumerated() where !remote.isEmpty {
            if i == encodedParams.pieces.count {
                let payload = ParamsPayload(version: version,
                                            part: .piece(.floats(parameters.values[piece]), offset: piece.lowerBound, total: total)).encoded()
                encodedParams.pieces.append((MessageHeader(type: .params, runID: runID, step: version, payload: payload), payload))
            }
            let message = encodedParams.pieces[i]
            remote = remote.filter { office.deliver(message.header, payload: message.payload, to: $0) }
        }
        return local + remote
    }

    /// The shared-memory parameter file, made on first use; nil (and a warning, once) when
    /// it cannot be made: then every worker gets PARAMS pieces.
    private func sharedParameters() -> SharedVectorWriter? {
        if let sharedWriter { return sharedWriter }
        guard !sharedUnavailable else { return nil }
        do {
            sharedWriter = try SharedVectorWriter(kind: .params, runID: runID, count: parameters.values.count)
        } catch {
            sharedUnavailable = true
            log.warning("no shared memory for local workers (\(error)); they get the parameters over the socket")
        }
        return sharedWriter
    }

    private func finishStep(_ s: StepState) throws {
        // The workers wait for this step's parameters: the update may use every core here.
        optimizer.update(&parameters, gradientSum: s.relay?.sum.values ?? s.tree.root(), divisor: Float(s.queries),
                         threads: ProcessInfo.processInfo.activeProcessorCount)
        current = nil
        let step = optimizer.step
        let seconds = Date().timeIntervalSince(s.started)
        let loss = s.loss.mean(over: s.queries)
        let router = listener.router
        let bytes = (received: router.bytesReceived, sent: router.bytesSent)
        defer { countedBytes = bytes }
        let line = StepMetrics(step: step, loss: loss, queries: s.queries, chunks: s.chunks.count,
                               workers: members.readyCount, blocks: s.blocks, featuresSent: s.featuresSent,
                               featuresRead: s.featuresRead, featuresRelayed: s.featuresRelayed, featureHits: s.featureHits,
                               featureMisses: s.featureMisses,
                               seconds: seconds, computeSeconds: s.computeSeconds,
                               criticalComputeSeconds: s.criticalComputeSeconds,
                               bankSendsPerWorker: members.bankSends, rejected: office.rejected.byKind, lateResults: lateResults,
                               bytesIn: bytes.received - countedBytes.received, bytesOut: bytes.sent - countedBytes.sent,
                               relayMembers: s.relay?.members.count ?? 0)
        try folder.appendMetrics(line)
        try RunEvents.add(line, learningRate: config.train.learningRate, to: events)
        if step == steps || (config.train.checkpointEvery > 0 && step % config.train.checkpointEvery == 0) {
            try writeCheckpoint()
        }
        progress.update(step: step, loss: loss, workers: members.readyCount)
    }

    /// The parameters and optimizer state after `optimizer.step` steps.
    private func writeCheckpoint() throws {
        try Checkpoint(parameters: parameters, optimizer: optimizer, seed: config.run.seed,
                       configDigest: runDigest).write(to: folder.checkpointURL(step: optimizer.step))
        checkpointedStep = optimizer.step
    }
}
