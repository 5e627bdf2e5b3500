/// Images grouped into duplicates: two images are linked when their decoded pixels are the
/// same (`ImageFingerprint.pixels`) or their perceptual distance is within the threshold,
/// and a group is a connected set of links (so A ~ B ~ C is one group even when A and C are
/// further apart). Within and across datasets: every pair is compared, whatever its sites.
public struct DuplicateGroups: Sendable {
    /// One image to group.
    public struct Entry: Codable, Sendable, Hashable {
        public var id: String
        /// The dataset or site the image comes from.
        public var site: String
        public var fingerprint: ImageFingerprint

        public init(id: String, site: String, fingerprint: ImageFingerprint) {
            self.id = id; self.site = site; self.fingerprint = fingerprint
        }
    }

    /// A set of two or more duplicates.
    public struct Group: Equatable, Sendable {
        /// Indices into the entries, ascending.
        public var members: [Int]
        /// The members' ids, in the same order.
        public var ids: [String]
        /// The members' distinct sites, in order of their first member (more than one: a
        /// duplicate across datasets).
        public var sites: [String]
        /// Every member has the same decoded pixels; false when the group holds near matches.
        public var exactOnly: Bool
    }

    /// Groups in the order of their first member.
    public let groups: [Group]

    /// Compares every pair, O(N^2): about N^2 / 2 distances, each 1 to 31 comparisons of 256
    /// bits (`PerceptualHash.distance`; it stops at the first within the threshold). Images
    /// with the same pixels as an earlier one are linked to it and not compared again (their
    /// perceptual hashes are the same).
    public init(_ entries: [Entry], threshold: Int = ImageFingerprint.nearDuplicateThreshold) {
        var sets = UnionFind(count: entries.count)
        var firstWithPixels: [String: Int] = [:]
        var distinct: [Int] = []          // entries whose pixels no earlier entry has
        for (i, e) in entries.enumerated() {
            if let first = firstWithPixels[e.fingerprint.pixels] { sets.union(first, i) } else {
                firstWithPixels[e.fingerprint.pixels] = i
                distinct.append(i)
            }
        }
        // words: [distinct.count, windowCount * wordsPerHash], one row per distinct image.
        let stride = PerceptualHash.windowCount * PerceptualHash.wordsPerHash
        let words = distinct.flatMap { entries[$0].fingerprint.perceptual.words }
        words.withUnsafeBufferPointer { w in
            guard let base = w.baseAddress else { return }
            for a in distinct.indices {
                for b in (a + 1)..<distinct.count
                where PerceptualHash.distance(base + a * stride, base + b * stride, stopAt: threshold) <= threshold {
                    sets.union(distinct[a], distinct[b])
                }
            }
        }
        var groupOfRoot: [Int: Int] = [:]
        var members: [[Int]] = []
        for i in entries.indices {
            let root = sets.find(i)
            if let g = groupOfRoot[root] { members[g].append(i) } else {
                groupOfRoot[root] = members.count
                members.append([i])
            }
        }
        groups = members.filter { $0.count > 1 }.map { m in
            var sites: [String] = []
            for i in m where !sites.contains(entries[i].site) { sites.append(entries[i].site) }
            let pixels = entries[m[0]].fingerprint.pixels
            return Group(members: m, ids: m.map { entries[$0].id }, sites: sites,
                         exactOnly: m.allSatisfy { entries[$0].fingerprint.pixels == pixels })
        }
    }
}
