import Foundation
import Logging
import Shared

/// The coordinator's session for feature extraction (`prepare`, `evaluate` with
/// workers), over the `PostOffice` (HELLO -> WELCOME, no bank -> READY): one EXTRACT batch
/// at a time per worker, each FEATURES item handed to `store` as soon as it arrives. A worker that dies,
/// leaves or answers with features of the wrong shape has its batch given to another; an
/// ERROR in answer to EXTRACT (a backbone that cannot be loaded, an image that cannot be
/// decoded) fails the command with the worker's message. Single-threaded: the workers
/// run CLIP, this process only moves bytes and writes the cache.
final class ExtractionCoordinator {
    let log = Logger(label: "ultraad.extract")
    let office: PostOffice
    var listener: CoordinatorSocket { office.socket }
    private var members: Membership { office.members }

    private let extractor: FrozenFeatureExtractor
    private let weights: String
    private let expected: ExpectedFeatures
    private let required: Int

    private let batches: [[ExtractionItem]]
    /// Batches not yet sent, which batch each busy worker holds, and which are stored.
    private var pending: [Int]
    private var assignments: [[UInt8]: Int] = [:]
    private var finished: [Bool]
    private var badAnswers: [Int: Int] = [:]
    private var workersUsed = Set<String>()
    private var lateResults = 0

    /// A batch answered with bad features this many times fails the command (the same
    /// worker state would give the same bad answer forever).
    static let maxBadAnswers = 3

    /// Binds the coordinator's socket (so local workers can be started) for `batches`.
    init(config c: ClusterConfig, extractor: FrozenFeatureExtractor, batches: [[ExtractionItem]],
         workers: ExtractionWorkers, folder: SessionFolder) throws {
        self.extractor = extractor
        self.batches = batches
        pending = Array(batches.indices)
        finished = [Bool](repeating: false, count: batches.count)
        weights = c.backbone.weights.description
        expected = ExpectedFeatures(extractor)
        required = max(1, workers.required)
        let vision = extractor.encoder.config
        let head = c.model.headConfig(jointDim: vision.projectionDim, visionWidth: vision.width, layers: extractor.layers)
        let welcome = Welcome(configDigest: c.digest, mode: .featureExtraction, bankDigest: "", head: head,
                              heartbeat: c.coordinator.heartbeat.seconds, timeout: c.coordinator.workerTimeout.seconds,
                              pieceFloats: Pieces.defaultFloats)
        office = try PostOffice(c.coordinator, welcome: welcome, bank: nil, localWorkers: workers.local, folder: folder, log: log)
        log.info("listening \(office.socket.listeningOn) (run \(office.runID), feature extraction with \(weights), extractor \(extractor.digest))")
    }

    /// Sends every batch to the workers and hands each returned item to `store`, waiting
    /// for `required` workers first. Says BYE to the workers at the end, also on failure.
    func run(store: (ExtractionItem, ImageFeatures) throws -> Void) throws {
        let started = Date()
        do {
            var extracting = false
            while finished.contains(false) {
                for event in try office.poll(wait: min(office.heartbeat / 2, 0.05)) { try handle(event, store: store) }
                if !extracting && members.readyCount >= required {
                    extracting = true
                    log.info("\(members.readyCount) workers ready: extracting \(batches.count) batches")
                } else if !extracting {
                    office.remindWaiting(needed: required)
                }
                if extracting { try assignBatches() }
            }
        } catch {
            office.sayBye("feature extraction failed")
            throw error
        }
        office.sayBye("feature extraction finished")
        let items = batches.map(\.count).reduce(0, +)
        log.info("extracted \(items) image views in \(batches.count) batches on \(workersUsed.count) workers in \(String(format: "%.1f", Date().timeIntervalSince(started))) s (rejected \(office.rejected.byKind), late \(lateResults))")
    }

    // MARK: - Messages

    /// Puts the batch a worker held back at the front of the queue.
    private func requeue(_ id: [UInt8]) {
        guard let b = assignments.removeValue(forKey: id), !finished[b] else { return }
        pending.insert(b, at: 0)
        log.info("batch \(b) (\(batches[b].count) image views) is back in the queue")
    }

    private func handle(_ event: PostOffice.Event, store: (ExtractionItem, ImageFeatures) throws -> Void) throws {
        switch event {
        case let .joined(id, _):
            requeue(id)   // a worker saying HELLO again has dropped whatever it held
        case let .left(worker):
            requeue(worker.identity)
        case let .message(id, env):
            switch env.header.type {
            case .features:
                try features(from: id, env.header, env.payload, store: store)
            case .error:
                let report: ErrorPayload
                do { report = try ErrorPayload(decoding: env.payload) } catch { office.reject(error); return }
                try error(from: id, report)
            default:
                office.reject(.unexpected("\(env.header.type) is not something a worker sends in feature extraction"))
            }
        }
    }

    /// An ERROR in answer to EXTRACT fails the command, naming the worker and the item.
    private func error(from id: [UInt8], _ report: ErrorPayload) throws {
        switch report.code {
        case .backboneUnavailable, .itemFailed, .extractionFailed, .badMessage: break
        case .unknownWorker, .sharedMemoryUnusable, .featuresUnavailable, .relayFailed:
            office.reject(.unexpected("ERROR (\(report.code)) is not something a worker sends in feature extraction"))
            return
        }
        guard let w = members[id] else { return }
        guard let b = assignments[id] else {
            log.warning("worker \(w.hello.workerID) reports (\(report.code)): \(report.message)")
            return
        }
        throw CoordinatorError.run("worker \(w.hello.workerID) on \(w.hello.host) could not extract features: \(describe(report, batch: b))")
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
            office.count(error)   // logged below, every time: it names the worker and batch
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
                                         preprocess: extractor.preprocess, featureDType: extractor.featureDType,
                                         extractorDigest: extractor.digest, items: items)
            guard office.deliver(.extract, to: id, step: UInt64(b), payload: request.encoded()) else {
                pending.insert(b, at: 0)
                continue
            }
            assignments[id] = b
            office.members[id]?.lastSent = Date()
            workersUsed.insert(w.hello.workerID)
        }
    }
}
