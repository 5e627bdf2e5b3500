import Foundation
import Shared

/// The query views a worker holds for the run. Views the coordinator sent are kept for
/// good (it sends each view to a worker once). Views read from the pool file are kept
/// within `limit` bytes: past it the least recently used are dropped, with the CRC the
/// coordinator gave for them, and read again (and checked) when a block needs them.
struct FeatureStore {
    private struct Entry {
        var query: ChunkInput.Query
        var bytes: Int
        var lastUse: Int
        /// The coordinator's CRC of a view read from the pool (nil: sent inline, kept).
        var poolCRC: UInt32?
    }

    /// Bytes allowed for views read from the pool (nil: no limit).
    let limit: Int?
    private var entries: [QueryRef: Entry] = [:]
    /// Views read from the pool and dropped since: what they must read back as.
    private var dropped: [QueryRef: UInt32] = [:]
    private var clock = 0
    /// Bytes of the views read from the pool held now.
    private(set) var poolBytes = 0

    init(limit: Int?) { self.limit = limit }

    /// A held view (a use, for the eviction order), or nil.
    mutating func use(_ ref: QueryRef) -> ChunkInput.Query? {
        guard entries[ref] != nil else { return nil }
        clock += 1
        entries[ref]?.lastUse = clock
        return entries[ref]?.query
    }

    /// The CRC a dropped pool view must have when read again, or nil if it was never held.
    func droppedCRC(_ ref: QueryRef) -> UInt32? { dropped[ref] }

    /// Holds a view: sent by the coordinator (`poolCRC` nil), or read from the pool.
    mutating func insert(_ ref: QueryRef, _ query: ChunkInput.Query, poolCRC: UInt32?) {
        if let old = entries[ref], old.poolCRC != nil { poolBytes -= old.bytes }
        clock += 1
        let bytes = query.features.byteCount + 4 * query.mask.count
        entries[ref] = Entry(query: query, bytes: bytes, lastUse: clock, poolCRC: poolCRC)
        dropped[ref] = nil
        if poolCRC != nil { poolBytes += bytes }
    }

    /// Drops pool views, least recently used first, until they fit the limit; never one
    /// in `keeping` (the block about to be computed).
    mutating func evict(keeping: Set<QueryRef>) {
        guard let limit, poolBytes > limit else { return }
        let candidates = entries.filter { $0.value.poolCRC != nil && !keeping.contains($0.key) }
            .sorted { $0.value.lastUse < $1.value.lastUse }
        for (ref, entry) in candidates where poolBytes > limit {
            entries[ref] = nil
            dropped[ref] = entry.poolCRC
            poolBytes -= entry.bytes
        }
    }
}
