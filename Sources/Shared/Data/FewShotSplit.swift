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
    /// Draws `shots` images of each class in `classes` with SplitMix64 seeded by `seed`
    /// and the site name (so sites draw independently and one site's draw does not depend
    /// on which other sites are loaded). The rest of the site is the test split.
    public func drawShots(perClass shots: Int, seed: UInt64,
                          classes: [LesionClass] = LesionClass.allCases) throws(ShotsError) -> FewShotSplit {
        precondition(shots >= 0, "negative number of shots")
        var rng = SplitMix64(seed: seed ^ (UInt64(fnv1aDigest(name.utf8), radix: 16) ?? 0))
        _ = rng.next()
        var chosen = Set<String>()
        for label in classes.sorted() {
            var members = entries(of: label)
            guard members.count >= shots else {
                throw .notEnoughImages(site: name, label: label, available: members.count, requested: shots)
            }
            for k in 0..<shots {   // partial Fisher-Yates
                let j = k + Int(rng.next() % UInt64(members.count - k))
                members.swapAt(k, j)
                chosen.insert(members[k].relativePath)
            }
        }
        return split(support: chosen)
    }

    /// The split with the images at these relative paths as support.
    func split(support paths: Set<String>) -> FewShotSplit {
        FewShotSplit(site: name,
                     support: entries.filter { paths.contains($0.relativePath) },
                     test: entries.filter { !paths.contains($0.relativePath) })
    }
}
