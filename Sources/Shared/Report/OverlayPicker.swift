/// Keeps, for each class, the `perClass` best and `perClass` worst test images by image
/// score, as they stream in, so that a site of any size holds at most 2 * perClass * C
/// overlays. An abnormal image is better the higher its score, a normal one the lower.
/// Ties go to the image that came first.
struct OverlayPicker: Sendable {
    struct Entry: Sendable {
        let seq: Int
        /// Higher is better: the score, negated for the normal class.
        let goodness: Float
        let sample: OverlaySample
    }

    let perClass: Int
    /// Per class, best first.
    private(set) var best: [[Entry]]
    /// Per class, worst first.
    private(set) var worst: [[Entry]]

    init(classes: Int, perClass: Int) {
        self.perClass = max(perClass, 0)
        best = Array(repeating: [], count: classes)
        worst = Array(repeating: [], count: classes)
    }

    static func goodness(label: Int, score: Float) -> Float { label == 0 ? -score : score }

    /// Whether an image of class `label` with this score would enter the gallery.
    func wants(label: Int, score: Float) -> Bool {
        guard perClass > 0 else { return false }
        let g = Self.goodness(label: label, score: score)
        return best[label].count < perClass || worst[label].count < perClass
            || g > best[label][perClass - 1].goodness || g < worst[label][perClass - 1].goodness
    }

    /// Offers one image; `seq` is its arrival number (ascending).
    mutating func offer(_ sample: OverlaySample, seq: Int) {
        let c = sample.label
        let e = Entry(seq: seq, goodness: Self.goodness(label: c, score: sample.score), sample: sample)
        if best[c].count < perClass || e.goodness > best[c][perClass - 1].goodness {
            let at = best[c].firstIndex { e.goodness > $0.goodness } ?? best[c].count
            best[c].insert(e, at: at)
            if best[c].count > perClass { best[c].removeLast() }
        }
        if worst[c].count < perClass || e.goodness < worst[c][perClass - 1].goodness {
            let at = worst[c].firstIndex { e.goodness < $0.goodness } ?? worst[c].count
            worst[c].insert(e, at: at)
            if worst[c].count > perClass { worst[c].removeLast() }
        }
    }

    /// The gallery: by class, best then worst, each image once with all its roles.
    func picks() -> [OverlaySample] {
        var out: [OverlaySample] = []
        for c in best.indices {
            var bySeq: [Int: Int] = [:]
            let ranked = best[c].enumerated().map { ($1, OverlaySample.Role(kind: .best, rank: $0 + 1)) }
                + worst[c].enumerated().map { ($1, OverlaySample.Role(kind: .worst, rank: $0 + 1)) }
            for (entry, role) in ranked {
                if let i = bySeq[entry.seq] {
                    out[i].roles.append(role)
                } else {
                    bySeq[entry.seq] = out.count
                    var s = entry.sample
                    s.roles = [role]
                    out.append(s)
                }
            }
        }
        return out
    }
}
