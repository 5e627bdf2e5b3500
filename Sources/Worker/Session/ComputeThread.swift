import Foundation
import Shared

/// One block of chunks to reduce, with everything needed to compute it (value types only,
/// so it crosses to the compute thread safely).
struct BlockJob: Sendable {
    var runID: UInt64
    var step: UInt64
    var blockStart: UInt32
    var parameterVersion: UInt64
    var config: HeadConfig
    var parameters: ParameterSet
    var bank: MemoryBank
    /// One entry per chunk of the block; empty for padding past the episode's end.
    var chunks: [ChunkInput]
    /// Where the gradient goes when the coordinator shares this machine's memory (nil:
    /// GRAD pieces over the socket).
    var sharedGradient: SharedVectorWriter?
    /// Floats per GRAD piece (WELCOME's).
    var pieceFloats: Int
    /// The block's views held already, and read from the pool for it (GRAD reports them).
    var featureHits = 0
    var featureMisses = 0
    /// The step's ROUTE when it goes through the relay: the sum goes to the segment
    /// owners as PART pieces, and GRAD (kind relayed) carries only the block's figures.
    var route: RoutePayload?
}

/// What a worker does with a block: the head's gradient, or (`ultraad-worker --compute-ms`,
/// for `ultraad bench scale`) a fixed delay per chunk and a zero gradient of the head's
/// size, so that a benchmark can time the transfers and the coordinator of many workers on
/// one machine without their arithmetic competing for its cores. Everything else (the
/// bank, features, parameters, GRAD pieces or shared memory) is as in training.
enum BlockComputation: Sendable {
    case head
    case fixedDelay(secondsPerChunk: Double)
}

/// Computes block gradients off the socket thread, so the worker keeps heartbeating while
/// it works. Each GRAD (or GRAD piece) is encoded and checksummed here and handed to the
/// socket thread through `outbox`.
final class ComputeThread: @unchecked Sendable {
    let outbox: Outbox
    private let jobs = JobQueue<BlockJob>()
    private let delay: Double
    private let computation: BlockComputation

    init(outbox: Outbox, delay: Double = 0, computation: BlockComputation = .head) {
        self.outbox = outbox
        self.delay = delay
        self.computation = computation
        let thread = Thread { [self] in self.run() }
        thread.name = "ultraad-compute"
        thread.start()
    }

    func submit(_ job: BlockJob) { jobs.append(job) }

    private func run() {
        let socket = outbox.connectSender("compute")
        while true {
            let job = jobs.next()
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            let (grad, queries, parts, seconds) = switch computation {
            case .head: Self.compute(job)
            case .fixedDelay(let perChunk): Self.standIn(for: job, secondsPerChunk: perChunk)
            }
            // A block of padding only is never assigned; should one come, its sum is zeros.
            let sum = grad ?? [Float](repeating: 0, count: job.parameters.values.count)
            // GRAD with the block's figures, whichever way its sum goes.
            let gradPayload = { (part: VectorPart) in
                GradPayload(parameterVersion: job.parameterVersion, queries: UInt32(queries), loss: parts,
                            computeSeconds: seconds, featureHits: UInt32(job.featureHits),
                            featureMisses: UInt32(job.featureMisses), part: part).encoded()
            }
            let header = { (payload: [UInt8]) in
                MessageHeader(type: .grad, runID: job.runID, step: job.step, blockStart: job.blockStart,
                              blockCount: UInt32(job.chunks.count), payload: payload)
            }
            if let route = job.route {
                Self.postParts(sum, of: job, route: route, outbox: outbox, via: socket)
                let payload = gradPayload(.relayed(total: sum.count))
                outbox.post(header(payload), payload, via: socket)
                continue
            }
            if let shared = job.sharedGradient {
                shared.publish(sum)
                let payload = gradPayload(.shared(.init(path: shared.path, crc: shared.crc), total: sum.count))
                outbox.post(header(payload), payload, via: socket)
                continue
            }
            for piece in Pieces.ranges(count: sum.count, floatsPerPiece: job.pieceFloats) {
                let payload = gradPayload(.piece(.floats(sum[piece]), offset: piece.lowerBound, total: sum.count))
                outbox.post(header(payload), payload, via: socket)   // sent while the next piece is encoded
            }
        }
    }

    /// The block's sum as PART pieces, each to its segment's owner, in the ROUTE's turn
    /// order starting with the next member's segment and ending with this worker's own.
    static func postParts(_ sum: [Float], of job: BlockJob,
                          route: RoutePayload, outbox: Outbox, via socket: ZMQSocket) {
        for (j, range) in route.piecesInTurn(from: route.me + 1) {
            let payload = SegmentPiece(route: route.route, offset: range.lowerBound, values: .floats(sum[range])).encoded()
            let h = MessageHeader(type: .part, runID: job.runID, step: job.step, blockStart: job.blockStart,
                                  blockCount: UInt32(job.chunks.count), payload: payload)
            outbox.post(h, payload, to: .member(route: route.route, index: j), via: socket)
        }
    }

    /// `.fixedDelay`: sleeps for the block's chunks (padding is free, as in `compute`) and
    /// returns a zero gradient with the block's query count.
    static func standIn(for job: BlockJob, secondsPerChunk perChunk: Double) -> ([Float]?, Int, LossParts, Double) {
        let chunks = job.chunks.filter { !$0.queries.isEmpty }
        let seconds = perChunk * Double(chunks.count)
        Thread.sleep(forTimeInterval: seconds)
        return ([Float](repeating: 0, count: job.parameters.values.count), chunks.map(\.queries.count).reduce(0, +),
                LossParts(), seconds)
    }

    /// The block's tree-order sum (docs/METHOD.md, "Episodes"), its loss parts and the seconds
    /// it took, preparation of the head included.
    static func compute(_ job: BlockJob) -> ([Float]?, Int, LossParts, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let head = UltraADHead.Prepared(parameters: job.parameters, config: job.config, bank: job.bank)
        let (sum, queries, parts) = head.blockGradient(chunks: job.chunks)
        return (sum, queries, parts, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
