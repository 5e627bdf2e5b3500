/// One site's images split into the few-shot support set and the test images.
public struct FewShotSplit: Sendable {
    public var site: String
    /// The support images: by class, then in dataset order.
    public var support: [DatasetEntry]
    /// Every other image of the site, in dataset order.
    public var test: [DatasetEntry]

    public init(site: String, support: [DatasetEntry], test: [DatasetEntry]) {
        self.site = site; self.support = support; self.test = test
    }
}

extension Dataset {
    /// Draws `shots` groups for each class in `classes` that the site has images of, with
    /// SplitMix64 seeded by `seed` and the site name (so sites draw independently and one
    /// site's draw does not depend on which other sites are loaded). Every image of a drawn
    /// group is a support image; the rest of the site is the test split.
    ///
    /// A group is `groupOf(entry)`: the entry's patient (`DatasetEntry.group`) unless the
    /// caller merges more (near duplicates, `SplitGroups`). A group counts for every class it
    /// has images of: a BUS-UCLM patient with normal and benign frames, drawn as a normal
    /// shot, is one of the benign shots too, and brings all its frames along. Classes are
    /// drawn in order; class c draws, from the groups with an image of c that are not drawn
    /// yet and not named in `conflicted` (the same picture under two labels), as many as
    /// the groups drawn so far leave missing. Groups are taken in the order of their first
    /// image, so where every group is one image the draw is the per-image draw of earlier
    /// versions, image for image.
    public func drawShots(perClass shots: Int, seed: UInt64, classes: [LesionClass] = LesionClass.allCases,
                          groupOf: (DatasetEntry) -> String = { $0.group },
                          conflicted: Set<String> = []) throws(ShotsError) -> FewShotSplit {
        precondition(shots >= 0, "negative number of shots")
        var rng = SplitMix64(seed: seed ^ (UInt64(fnv1aDigest(name.utf8), radix: 16) ?? 0))
        _ = rng.next()
        var order: [String] = [], labels: [String: Set<LesionClass>] = [:]
        for e in entries {
            let g = groupOf(e)
            if labels[g] == nil { order.append(g) }
            labels[g, default: []].insert(e.label)
        }
        let present = Set(entries.map(\.label))
        var chosen = Set<String>()
        for label in classes.sorted() where present.contains(label) {
            let covered = chosen.filter { labels[$0]!.contains(label) }.count
            var members = order.filter { labels[$0]!.contains(label) && !conflicted.contains($0) && !chosen.contains($0) }
            let missing = max(0, shots - covered)
            guard members.count >= missing else {
                throw .notEnoughGroups(site: name, label: label, available: members.count + covered, requested: shots,
                                       images: entries(of: label).count)
            }
            for k in 0..<missing {   // partial Fisher-Yates
                let j = k + Int(rng.next() % UInt64(members.count - k))
                members.swapAt(k, j)
                chosen.insert(members[k])
            }
        }
        return split(support: Set(entries.filter { chosen.contains(groupOf($0)) }.map(\.relativePath)))
    }

    /// The split with the images at these relative paths as support.
    func split(support paths: Set<String>) -> FewShotSplit {
        FewShotSplit(site: name,
                     support: entries.filter { paths.contains($0.relativePath) },
                     test: entries.filter { !paths.contains($0.relativePath) })
    }
}
