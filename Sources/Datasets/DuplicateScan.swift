import Dispatch
import Foundation
import Shared

/// Every image of the given sites fingerprinted (`ImageFingerprint`: the decoded pixels'
/// digest and a perceptual hash) and grouped into duplicates, exact and near, within and
/// across sites. Fingerprints are kept in `FingerprintMemo` under each file's digest, so a
/// second scan decodes only new or changed files.
public struct DuplicateScan: Sendable {
    public struct Group: Sendable {
        /// Entry ids (`site/path`), in the sites' order.
        public var members: [String]
        /// Every member has the same decoded pixels.
        public var exact: Bool
    }

    public var groups: [Group]
    /// The perceptual distance at or below which two images are near duplicates.
    public var threshold: Int
    /// FNV-1a 64 of each image file (by `imagePath`), computed on the way: the feature cache's key.
    public var fileDigests: [String: String]

    /// `cache`: the feature cache's folder (fewshot.cache), where the memo lives.
    public static func run(_ datasets: [Dataset], cache: URL, threshold: Int = ImageFingerprint.nearDuplicateThreshold,
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> DuplicateScan {
        let entries = datasets.flatMap(\.entries)
        var memo = FingerprintMemo(url: FingerprintMemo.url(cache: cache))
        var digests = [String](repeating: "", count: entries.count)
        var prints = [ImageFingerprint?](repeating: nil, count: entries.count)
        var missing: [Int] = []
        for (i, e) in entries.enumerated() {
            digests[i] = try e.imageDigest()
            if let known = memo.known[digests[i]] { prints[i] = known } else { missing.append(i) }
        }
        let done = entries.count - missing.count
        progress(done, entries.count)
        // Decoding dominates: one image per core at a time, results in input order.
        let results = FingerprintResults(count: missing.count, done: done, total: entries.count, progress: progress)
        let images = missing.map { entries[$0] }
        DispatchQueue.concurrentPerform(iterations: images.count) { k in
            do { results.set(k, .success(ImageFingerprint(image: try images[k].loadImage()))) } catch { results.set(k, .failure(error)) }
        }
        let computed = try results.values()
        for (k, i) in missing.enumerated() {
            prints[i] = computed[k]
            memo.known[digests[i]] = computed[k]
        }
        if !missing.isEmpty { try memo.save() }
        let found = DuplicateGroups(zip(entries, prints).map { DuplicateGroups.Entry(id: $0.id, site: $0.site, fingerprint: $1!) },
                                    threshold: threshold)
        let groups = found.groups.map { Group(members: $0.ids, exact: $0.exactOnly) }
        return DuplicateScan(groups: groups, threshold: threshold,
                             fileDigests: Dictionary(zip(entries.map(\.imagePath), digests), uniquingKeysWith: { a, _ in a }))
    }
}

/// The fingerprints computed on several threads, each slot written once under the lock.
private final class FingerprintResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<ImageFingerprint, any Error>?]
    private var done: Int
    private let total: Int
    private let progress: @Sendable (Int, Int) -> Void

    init(count: Int, done: Int, total: Int, progress: @escaping @Sendable (Int, Int) -> Void) {
        slots = Array(repeating: nil, count: count); self.done = done; self.total = total; self.progress = progress
    }

    func set(_ k: Int, _ result: Result<ImageFingerprint, any Error>) {
        lock.lock(); defer { lock.unlock() }
        slots[k] = result
        done += 1
        progress(done, total)
    }

    /// Every fingerprint, or the first slot's error.
    func values() throws -> [ImageFingerprint] { try slots.map { try $0!.get() } }
}
