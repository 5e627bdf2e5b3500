/// The few-shot support pool: every support image with its augmented views' features.
/// Training queries are drawn from this pool, and the bank holds every view's g, so
/// the bank entries of a query's own image are masked out (leave-one-out).
public struct SupportPool: Sendable {
    public struct Image: Sendable {
        /// Source image id: unique within the pool, stored in the bank's `source`.
        public var id: Int32
        public var label: Int
        /// One entry per augmented view (view 0 is the identity).
        public var views: [ImageFeatures]
        /// The mask of each view (augmented like the image): [H, W].
        public var masks: [Tensor]

        public init(id: Int32, label: Int, views: [ImageFeatures], masks: [Tensor]) {
            precondition(views.count == masks.count && !views.isEmpty, "image \(id): views and masks differ")
            self.id = id; self.label = label; self.views = views; self.masks = masks
        }
    }

    public var images: [Image]
    public init(images: [Image]) { self.images = images }

    /// The pool needs an image, and labels among the head's classes. A class may be
    /// absent (a site without normal images, as BUS-BRA and UDIAT are): episodes then have
    /// no queries of it and the bank no key labelled with it (`classesPresent`).
    public func validate(classes: Int) throws(ModelError) {
        guard !images.isEmpty else { throw .invalid("the support pool has no image") }
        if let bad = images.first(where: { !(0..<classes).contains($0.label) }) {
            throw .invalid("support image \(bad.id) has label \(bad.label), not in 0..<\(classes)")
        }
    }

    /// The class indices the pool has images of, in order.
    public var classesPresent: [Int] { Array(Set(images.map(\.label))).sorted() }

    /// The bank's keys and labels from every view: Ft [N, d], Lt [N, C], source [N].
    public func bank(t0: Tensor, pt: Tensor, classes: Int) -> MemoryBank {
        var ft = [Float](), lt = [Float](), source = [Int32]()
        for image in images {
            for v in image.views {
                ft.append(contentsOf: v.g.data)
                var onehot = [Float](repeating: 0, count: classes)
                onehot[image.label] = 1
                lt.append(contentsOf: onehot)
                source.append(image.id)
            }
        }
        let d = t0.rowLength, n = source.count
        return MemoryBank(t0: t0, pt: pt, ft: Tensor(shape: [n, d], data: ft),
                          lt: Tensor(shape: [n, classes], data: lt), source: source)
    }
}

/// Which (image, view) pairs make the queries of step `step`: per class, `queriesPerClass`
/// distinct images (all of them if the class has fewer) and one view of each, classes in
/// order. A pure function of (seed, step), so a resumed run samples what the original
/// would have, and no sampler state needs saving beyond the step.
public struct EpisodeSampler: Sendable, Equatable {
    public var seed: UInt64
    public var queriesPerClass: Int
    public var chunkSize: Int

    public init(seed: UInt64, queriesPerClass: Int = 2, chunkSize: Int = 2) {
        precondition(queriesPerClass >= 1 && chunkSize >= 1, "episode sizes must be positive")
        self.seed = seed; self.queriesPerClass = queriesPerClass; self.chunkSize = chunkSize
    }

    public struct Pick: Equatable, Sendable { public var image: Int; public var view: Int }

    public func episode(step: Int, pool: SupportPool, classes: Int) -> [Pick] {
        var rng = SplitMix64(seed: seed ^ (UInt64(step) &* 0xD6E8_FEB8_6659_FD93))
        _ = rng.next()
        var picks = [Pick]()
        for c in 0..<classes {
            var members = pool.images.indices.filter { pool.images[$0].label == c }
            let take = min(queriesPerClass, members.count)
            for k in 0..<take {   // partial Fisher-Yates
                let j = k + Int(rng.next() % UInt64(members.count - k))
                members.swapAt(k, j)
                let views = pool.images[members[k]].views.count
                picks.append(Pick(image: members[k], view: Int(rng.next() % UInt64(views))))
            }
        }
        return picks
    }

    /// The episode's queries split into chunks of `chunkSize`, in order.
    public func chunks(step: Int, pool: SupportPool, classes: Int) -> [[Pick]] {
        let picks = episode(step: step, pool: pool, classes: classes)
        return stride(from: 0, to: picks.count, by: chunkSize).map {
            Array(picks[$0..<min($0 + chunkSize, picks.count)])
        }
    }

    /// The chunk's model input.
    public static func input(_ picks: [Pick], pool: SupportPool) -> ChunkInput {
        ChunkInput(queries: picks.map { p in
            let image = pool.images[p.image]
            return ChunkInput.Query(features: image.views[p.view], mask: image.masks[p.view],
                                    label: image.label, source: image.id)
        })
    }
}
