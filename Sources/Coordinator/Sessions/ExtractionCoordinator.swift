import Foundation
import Logging
import Shared

/// The coordinator's event loop for feature extraction (`prepare`, `evaluate` with
/// workers): HELLO -> WELCOME (no bank) -> READY, then one EXTRACT batch at a time per
/// worker, each FEATURES item handed to `store` as soon as it arrives. A worker that dies,
/// leaves or answers with features of the wrong shape has its batch given to another; an
/// ERROR in answer to EXTRACT (a backbone that cannot be loaded, an image that cannot be
/// decoded) fails the command with the worker's message. Single-threaded: the workers
/// run CLIP, this process only moves bytes and writes the cache.
final class ExtractionCoordinator {
    let log = Logger(label: "ultraad.extract")
    let runID = UInt64.random(in: 1...UInt64.max)
    let listener: CoordinatorSocket

    private let extractor: FrozenFeatureExtractor
    private let weights: String
    private let expected: ExpectedFeatures
    private let welcome: Welcome
    private let required: Int
    private let heartbeat: Double
    private let workerTimeout: Double

    private var members = Membership()
    private let batches: [[ExtractionItem]]
    /// Batches not yet sent, which batch each busy worker holds, and which are stored.
    private var pending: [Int]
    private var assignments: [[UInt8]: Int] = [:]
    private var finished: [Bool]
    private var badAnswers: [Int: Int] = [:]
    private var workersUsed = Set<String>()
    private var rejected = Rejections()
    private var lateResults = 0
    private var waiting: WaitingNotice

    /// A batch answered with bad features this many times fails the command (the same
    /// worker state would give the same bad answer forever).
    static let maxBadAnswers = 3

    /// Binds the coordinator's socket (so local workers can be started) for `batches`.
    init(config c: ClusterConfig, extractor: FrozenFeatureExtractor, batches: [[ExtractionItem]],
         workers: ExtractionWorkers, folder: RunFolder) throws {
        self.extractor = extractor
        self.batches = batches
        pending = Array(batches.indices)
        finished = [Bool](repeating: false, count: batches.count)
        weights = c.backbone.weights.description
        expected = ExpectedFeatures(extractor)
        required = max(1, workers.required)
        heartbeat = c.coordinator.heartbeat.seconds
        workerTimeout = c.coordinator.workerTimeout.seconds
        let vision = extractor.encoder.config
        let head = c.model.headConfig(jointDim: vision.projectionDim, visionWidth: vision.width, layers: extractor.layers)
        welcome = Welcome(configDigest: c.digest, mode: .featureExtraction, bankDigest: "", head: head,
                          heartbeat: heartbeat, timeout: workerTimeout, pieceFloats: Pieces.defaultFloats)
        listener = try CoordinatorSocket(c.coordinator, localWorkers: workers.local, folder: folder, log: log)
        waiting = WaitingNotice(localWorkers: workers.local, endpoint: listener.endpoint, curve: c.coordinator.curve)
        log.info("listening \(listener.listeningOn) (run \(runID), feature extraction with \(weights), extractor \(extractor.digest))")
    }

    /// Sends every batch to the workers and hands each returned item to `store`, waiting
    /// for `required` workers first. Says BYE to the workers at the end, also on failure.
    func run(store: (ExtractionItem, ImageFeatures) throws -> Void) throws {
        let started = Date()
        do {
            var extracting = false
            while finished.contains(false) {
                if try listener.wait(timeout: min(heartbeat / 2, 0.05)) {
                    while let incoming = try listener.receive() { try handle(incoming, store: store) }
                }
                let now = Date()
                for dead in members.expire(now: now, timeout: workerTimeout) {
                    log.warning("worker \(dead.hello.workerID) silent for \(workerTimeout) s: dead")
                    requeue(dead.identity)
                }
                sendHeartbeats(now: now)
                if !extracting && members.readyCount >= required {
                    extracting = true
                    log.info("\(members.readyCount) workers ready: extracting \(batches.count) batches")
                } else if !extracting {
                    waiting.remind(ready: members.readyCount, needed: required, log: log)
                }
                if extracting { try assignBatches() }
            }
        } catch {
            sayBye("feature extraction failed")
            throw error
        }
        sayBye("feature extraction finished")
        let items = batches.map(\.count).reduce(0, +)
        log.info("extracted \(items) image views in \(batches.count) batches on \(workersUsed.count) workers in \(String(format: "%.1f", Date().timeIntervalSince(started))) s (rejected \(rejected.byKind), late \(lateResults))")
    }

    // MARK: - Messages

    @discardableResult
    private func deliver(_ type: MessageType, to id: [UInt8], batch: Int = 0, payload: [UInt8] = []) -> Bool {
        do {
            try listener.router.send(type, runID: runID, step: UInt64(batch), payload: payload, to: id)
            return true
        } catch {
            if let gone = members.remove(id) {
                log.warning("worker \(gone.hello.workerID) unreachable (\(error)): dropped")
                requeue(id)
            }
            return false
        }
    }

    private func sayBye(_ reason: String) {
        for id in members.sortedIdentities { deliver(.bye, to: id, payload: TextPayload.encode(reason)) }
    }

    private func reject(_ error: WireError) {
        rejected.record(error, log: log)
    }

    /// Puts the batch a worker held back at the front of the queue.
    private func requeue(_ id: [UInt8]) {
        guard let b = assignments.removeValue(forKey: id), !finished[b] else { return }
        pending.insert(b, at: 0)
        log.info("batch \(b) (\(batches[b].count) image views) is back in the queue")
    }

    private func handle(_ incoming: Incoming, store: (ExtractionItem, ImageFeatures) throws -> Void) throws {
        let env: Envelope
        switch incoming.message {
        case .failure(let e): reject(e); return
        case .success(let m): env = m
        }
        let id = incoming.sender, h = env.header
        if h.type == .hello {
            let hello: Hello
            do { hello = try Hello(decoding: env.payload) } catch { reject(error); return }
            requeue(id)   // a worker saying HELLO again has dropped whatever it held
            _ = members.join(id, hello: hello, step: 0, now: Date())
            if deliver(.welcome, to: id, payload: welcome.encoded()) {
                log.info("worker \(hello.workerID) joined (\(hello.host), pid \(hello.pid), \(hello.threads) threads)")
            }
            return
        }
        guard h.runID == runID else { reject(.wrongRun(h.runID)); return }
        guard let w = members[id] else {
            reject(.unexpected("\(h.type) from an unknown worker"))
            deliver(.error, to: id, payload: ErrorPayload(.unknownWorker, "unknown worker: say HELLO").encoded())
            return
        }
        members[id]?.lastSeen = Date()
        switch h.type {
        case .ready:
            do {
                let ready = try ReadyPayload(decoding: env.payload)
                if ready.mode == .featureExtraction { members[id]?.ready = true } else {
                    reject(.unexpected("READY for \(ready.mode) in feature extraction"))
                }
            } catch { reject(error) }
        case .features:
            try features(from: id, h, env.payload, store: store)
        case .heartbeat:
            break
        case .error:
            let report: ErrorPayload
            do { report = try ErrorPayload(decoding: env.payload) } catch { reject(error); return }
            switch report.code {
            case .backboneUnavailable, .itemFailed, .extractionFailed, .badMessage: break
            case .unknownWorker, .sharedMemoryUnusable:
                reject(.unexpected("ERROR (\(report.code)) is not something a worker sends in feature extraction"))
                return
            }
            guard let b = assignments[id] else {
                log.warning("worker \(w.hello.workerID) reports (\(report.code)): \(report.message)")
                return
            }
            throw CoordinatorError.run("worker \(w.hello.workerID) on \(w.hello.host) could not extract features: \(describe(report, batch: b))")
        case .bye:
            requeue(id)
            _ = members.remove(id)
        default:
            reject(.unexpected("\(h.type) is not something a worker sends"))
        }
    }

    /// A worker's ERROR about one item of batch `b` names the item's file and view.
    private func describe(_ report: ErrorPayload, batch b: Int) -> String {
        guard let index = report.item else { return report.message }
        guard let item = batches[b].first(where: { $0.index == Int(index) }) else {
            return "item \(index) (not in batch \(b)): \(report.message)"
        }
        return "\(item.entry.imagePath) (view \(item.view)): \(report.message)"
    }

    private func features(from id: [UInt8], _ h: MessageHeader, _ payload: [UInt8],
                          store: (ExtractionItem, ImageFeatures) throws -> Void) throws {
        guard let b = assignments[id], UInt64(b) == h.step, !finished[b] else {
            lateResults += 1
            return
        }
        let answer: FeaturesPayload
        do {
            answer = try FeaturesPayload(decoding: payload)
            try expected.check(answer, items: batches[b].map { UInt32($0.index) })
        } catch {
            rejected.count(error)   // logged below, every time: it names the worker and batch
            badAnswers[b, default: 0] += 1
            let name = members[id]?.hello.workerID ?? "?"
            log.warning("worker \(name): FEATURES for batch \(b) rejected: \(error)")
            requeue(id)
            if badAnswers[b]! >= Self.maxBadAnswers {
                throw CoordinatorError.run("batch \(b) (\(batches[b].first?.entry.imagePath ?? "")...) was answered \(Self.maxBadAnswers) times with unusable features; last from worker \(name): \(error)")
            }
            return
        }
        assignments[id] = nil
        finished[b] = true
        for (item, f) in zip(batches[b], answer.items) { try store(item, f.features) }
    }

    // MARK: - Batches

    private func assignBatches() throws {
        for id in members.sortedIdentities where !pending.isEmpty {
            guard let w = members[id], w.ready, assignments[id] == nil else { continue }
            let b = pending.removeFirst()
            var items = [ExtractItem]()
            for item in batches[b] {
                let file = try item.entry.imageFile()
                guard fnv1aDigest(file) == item.digest else {
                    throw CoordinatorError.run("\(item.entry.imagePath) changed while its features were being extracted; run the command again")
                }
                items.append(ExtractItem(index: UInt32(item.index), view: item.view, imageFile: file))
            }
            let request = ExtractPayload(weights: weights, imageSize: extractor.imageSize, layers: extractor.layers,
                                         extractorDigest: extractor.digest, items: items)
            guard deliver(.extract, to: id, batch: b, payload: request.encoded()) else {
                pending.insert(b, at: 0)
                continue
            }
            assignments[id] = b
            members[id]?.lastSent = Date()
            workersUsed.insert(w.hello.workerID)
        }
    }

    private func sendHeartbeats(now: Date) {
        for id in members.dueForHeartbeat(now: now, every: heartbeat) where deliver(.heartbeat, to: id) {
            members[id]?.lastSent = now
        }
    }
}
