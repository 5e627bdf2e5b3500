import Foundation
import Shared

/// One line of RUN/metrics.jsonl: what one optimizer step did. Written by the training
/// coordinator and read back (resume, `bench comm`, tests) by this same type.
struct StepMetrics: Codable, Equatable, Sendable {
    var step: Int
    /// The loss and its parts, means over the step's queries.
    var loss: Double
    var focal: Double
    var dice: Double
    var bce: Double
    var ce: Double
    var queries: Int
    var chunks: Int
    /// Ready workers at the end of the step.
    var workers: Int
    /// Blocks the step's chunks were split into.
    var blocks: Int
    /// Query features shipped with the step's tasks (a worker's first use of a view).
    var featuresSent: Int
    /// Query views workers read from the run's pool file themselves (a CRC in the TASK).
    var featuresRead: Int
    /// Query views workers were told to fetch from another member of the step's relay
    /// round, which reads the pool (FETCH, VIEWS): not through the coordinator's link.
    var featuresRelayed: Int
    /// The step's queries whose view the worker computing them held (hits), and those it
    /// read from the pool file for them (misses: a first read, or again after dropping it
    /// to stay within `worker.feature_memory`).
    var featureHits: Int
    var featureMisses: Int
    /// Wall time of the step, from its start to the optimizer update.
    var seconds: Double
    /// Workers' compute time summed over blocks, and the longest block's.
    var computeSeconds: Double
    var criticalComputeSeconds: Double
    var episodesPerSecond: Double
    /// Bank transfers so far: in all and by worker id.
    var bankSends: Int
    var bankSendsPerWorker: [String: Int]
    /// Messages refused so far, by kind (docs/PROTOCOL.md), and results that came too late.
    var rejected: [String: Int]
    var lateResults: Int
    /// Message bytes the coordinator's socket received and sent since the previous step
    /// ended (the first step: since it started listening), shared memory not included.
    var bytesIn: Int
    var bytesOut: Int
    /// The workers the step went through the relay with (0: every vector went through the
    /// coordinator).
    var relayMembers: Int

    enum CodingKeys: String, CodingKey {
        case step, loss, focal, dice, bce, ce, queries, chunks, workers, blocks
        case featuresSent = "features_sent", featuresRead = "features_read", featuresRelayed = "features_relayed"
        case featureHits = "feature_hits"
        case featureMisses = "feature_misses", seconds, computeSeconds = "compute_seconds"
        case criticalComputeSeconds = "critical_compute_seconds", episodesPerSecond = "episodes_per_s"
        case bankSends = "bank_sends", bankSendsPerWorker = "bank_sends_per_worker", rejected
        case lateResults = "late_results", bytesIn = "bytes_in", bytesOut = "bytes_out"
        case relayMembers = "relay_members"
    }

    /// The line as written: sorted keys, no newline.
    func encodedLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(self)
    }

    init(step: Int, loss: LossParts, queries: Int, chunks: Int, workers: Int, blocks: Int, featuresSent: Int, featuresRead: Int,
         featuresRelayed: Int, featureHits: Int, featureMisses: Int,
         seconds: Double, computeSeconds: Double, criticalComputeSeconds: Double, bankSendsPerWorker: [String: Int],
         rejected: [String: Int], lateResults: Int, bytesIn: Int, bytesOut: Int, relayMembers: Int = 0) {
        self.step = step
        self.loss = loss.total; focal = loss.focal; dice = loss.dice; bce = loss.bce; ce = loss.ce
        self.queries = queries; self.chunks = chunks; self.workers = workers; self.blocks = blocks
        self.featuresSent = featuresSent; self.featuresRead = featuresRead; self.featuresRelayed = featuresRelayed
        self.featureHits = featureHits; self.featureMisses = featureMisses; self.seconds = seconds
        self.computeSeconds = computeSeconds; self.criticalComputeSeconds = criticalComputeSeconds
        episodesPerSecond = 1 / max(seconds, 1e-9)
        bankSends = bankSendsPerWorker.values.reduce(0, +)
        self.bankSendsPerWorker = bankSendsPerWorker; self.rejected = rejected; self.lateResults = lateResults
        self.bytesIn = bytesIn; self.bytesOut = bytesOut; self.relayMembers = relayMembers
    }

    /// A line as written, or as an earlier version wrote it: the counters added since the
    /// first (features read, relayed, hits and misses, bytes, relay members) are 0 where a
    /// line lacks them, so a run resumed across versions keeps its whole curve.
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func later(_ key: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        step = try c.decode(Int.self, forKey: .step)
        loss = try c.decode(Double.self, forKey: .loss)
        focal = try c.decode(Double.self, forKey: .focal); dice = try c.decode(Double.self, forKey: .dice)
        bce = try c.decode(Double.self, forKey: .bce); ce = try c.decode(Double.self, forKey: .ce)
        queries = try c.decode(Int.self, forKey: .queries); chunks = try c.decode(Int.self, forKey: .chunks)
        workers = try c.decode(Int.self, forKey: .workers); blocks = try c.decode(Int.self, forKey: .blocks)
        featuresSent = try c.decode(Int.self, forKey: .featuresSent)
        featuresRead = try later(.featuresRead); featuresRelayed = try later(.featuresRelayed)
        featureHits = try later(.featureHits); featureMisses = try later(.featureMisses)
        seconds = try c.decode(Double.self, forKey: .seconds)
        computeSeconds = try c.decode(Double.self, forKey: .computeSeconds)
        criticalComputeSeconds = try c.decode(Double.self, forKey: .criticalComputeSeconds)
        episodesPerSecond = try c.decode(Double.self, forKey: .episodesPerSecond)
        bankSends = try c.decode(Int.self, forKey: .bankSends)
        bankSendsPerWorker = try c.decode([String: Int].self, forKey: .bankSendsPerWorker)
        rejected = try c.decode([String: Int].self, forKey: .rejected)
        lateResults = try c.decode(Int.self, forKey: .lateResults)
        bytesIn = try later(.bytesIn); bytesOut = try later(.bytesOut); relayMembers = try later(.relayMembers)
    }

    /// Every line of a metrics.jsonl, in order; a line that is not a record is an error
    /// naming the file and line.
    static func read(_ url: URL) throws -> [StepMetrics] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { i, line in
            do { return try JSONDecoder().decode(StepMetrics.self, from: Data(line.utf8)) } catch {
                throw CoordinatorError.run("\(url.path):\(i + 1): not a metrics record (\(error))")
            }
        }
    }
}
