import Foundation
import Logging
import Shared

/// One EXTRACT to answer.
struct ExtractionJob: Sendable {
    var runID: UInt64
    /// The batch number (the EXTRACT header's step), echoed in the answer's header.
    var batch: UInt64
    var request: ExtractPayload
}

/// Why a worker could not extract a batch; `report` is the ERROR it answers with.
enum ExtractionError: Error, CustomStringConvertible {
    /// The backbone named by EXTRACT cannot be loaded here (`weights` is its path).
    case backbone(weights: String, reason: String)
    /// This machine's backbone (`weights`) is not the one the coordinator's digest names.
    case otherBackbone(weights: String, reason: String)
    /// One item's image (`item`: its number in EXTRACT) could not be decoded.
    case image(item: UInt32, reason: String)
    case encoder(String)

    var description: String {
        switch self {
        case let .backbone(weights, reason): return "cannot load the backbone \(weights): \(reason)"
        case let .otherBackbone(weights, reason): return "the backbone \(weights) here is not the coordinator's: \(reason)"
        case let .image(item, reason): return "item \(item): \(reason)"
        case let .encoder(m): return "CLIP: \(m)"
        }
    }

    /// The ERROR payload: the coordinator names an item's file itself, so the message of
    /// `itemFailed` is the reason alone.
    var report: ErrorPayload {
        switch self {
        case .backbone, .otherBackbone: return ErrorPayload(.backboneUnavailable, description)
        case let .image(item, reason): return ErrorPayload(.itemFailed, item: item, reason)
        case .encoder: return ErrorPayload(.extractionFailed, description)
        }
    }
}

/// Encodes EXTRACT batches with the frozen CLIP off the socket thread, so the worker keeps
/// heartbeating through long batches. The CLIP (image tower) is loaded once per backbone
/// and kept. Answers (FEATURES, or ERROR) go to the socket thread through `outbox`, as the
/// compute thread's do.
final class ExtractionThread: @unchecked Sendable {
    let outbox: Outbox
    private let jobs = JobQueue<ExtractionJob>()
    private let threads: Int
    private let delay: Double
    private let log = Logger(label: "ultraad.worker")
    /// The loaded backbone and the content digest of its file: only the thread touches it.
    private var loaded: (weights: String, model: CLIPModel, digest: String)?

    init(outbox: Outbox, threads: Int, delay: Double = 0) {
        self.outbox = outbox
        self.threads = threads
        self.delay = delay
        let thread = Thread { [self] in self.run() }
        thread.name = "ultraad-extract"
        thread.start()
    }

    func submit(_ job: ExtractionJob) { jobs.append(job) }

    private func run() {
        let socket = outbox.connectSender("extraction")
        while true {
            let job = jobs.next()
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            let answer: (MessageType, [UInt8])
            do { answer = (.features, try extract(job.request).encoded()) } catch {
                log.error("batch \(job.batch): \(error)")
                answer = (.error, error.report.encoded())
            }
            outbox.post(MessageHeader(type: answer.0, runID: job.runID, step: job.batch, payload: answer.1), answer.1, via: socket)
        }
    }

    /// Decodes each item's image as a dataset image is decoded, applies its view, and runs
    /// the batch through CLIP. The extractor built here must have the coordinator's digest:
    /// the same weights content (this machine's copy of the file is hashed), size, layers,
    /// preprocessing, feature dtype and numerics version; else its features would be
    /// stored under a key that is not theirs.
    func extract(_ r: ExtractPayload) throws(ExtractionError) -> FeaturesPayload {
        let start = DispatchTime.now().uptimeNanoseconds
        var images = [Tensor]()
        for item in r.items {
            do { images.append(item.view.apply(toImage: try DatasetEntry.decodeImage(item.imageFile, name: "item \(item.index)"))) }
            catch { throw .image(item: item.index, reason: Self.problem(error)) }
        }
        let features: [ImageFeatures]
        do {
            let (model, weightsDigest) = try backbone(r.weights)
            let extractor = try FrozenFeatureExtractor(model: model, imageSize: r.imageSize, layers: r.layers,
                                                       weightsDigest: weightsDigest, preprocess: r.preprocess,
                                                       featureDType: r.featureDType)
            guard extractor.digest == r.extractorDigest else {
                throw ExtractionError.otherBackbone(weights: r.weights, reason: "this machine's copy (content digest \(weightsDigest)) gives extractor digest \(extractor.digest), the coordinator's is \(r.extractorDigest): the weights files differ between the machines, or this worker is another version of UltraAD")
            }
            features = try extractor.extract(images, threads: threads)
        } catch let e as ExtractionError {
            throw e
        } catch {
            throw .encoder("\(error)")
        }
        return FeaturesPayload(extractorDigest: r.extractorDigest,
                               computeSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                               items: zip(r.items, features).map { ($0.index, $1) })
    }

    /// What is wrong with an item's image, without its name (which is "item N" here; the
    /// coordinator names the file).
    static func problem(_ error: DatasetError) -> String {
        if case let .unreadable(_, reason) = error { return "cannot read: \(reason)" }
        return error.description
    }

    /// The CLIP of `weights` (image tower only) and its file's content digest, both on first use.
    private func backbone(_ weights: String) throws(ExtractionError) -> (CLIPModel, String) {
        if let loaded, loaded.weights == weights { return (loaded.model, loaded.digest) }
        loaded = nil
        do {
            let model = try CLIPModel.load(weights, towers: .vision)
            let digest = try WeightsDigest.of(weights)
            loaded = (weights, model, digest)
            return (model, digest)
        } catch {
            throw .backbone(weights: weights, reason: error.description)
        }
    }
}
