import Foundation
import Shared

/// Where `prepare` and `evaluate` compute the frozen features the cache does not hold.
enum FeatureExtraction {
    /// CLIP in this process, with this many threads (the default).
    case inProcess(threads: Int)
    /// On worker processes; this process encodes no image.
    case workers(ExtractionWorkers)
}

/// One image view whose frozen features are to be computed: its place in the caller's
/// list, the dataset image, the image file's digest (the cache key) and the view.
struct ExtractionItem {
    let index: Int
    let entry: DatasetEntry
    let digest: String
    let view: ViewKind
}

/// Feature extraction on worker processes: how many this process starts on its own host
/// (with `worker.threads` threads each), and how many to wait for before the first batch.
struct ExtractionWorkers: Sendable {
    var local: Int
    var required: Int
}
