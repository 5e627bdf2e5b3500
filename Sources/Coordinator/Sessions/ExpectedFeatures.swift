import Shared

/// What a FEATURES answer must hold to be stored: the extractor's digest, the batch's
/// items in order, and for each the shapes g [d], U.l [P, D] and Z0.l [P, d] for every
/// layer l (P patches of the extractor's input size), U and Z0 in the run's feature dtype.
struct ExpectedFeatures {
    let digest: String
    let layers: Int
    let g: [Int]
    let u: [Int]
    let z0: [Int]
    let dtype: FeatureDType

    init(_ extractor: FrozenFeatureExtractor) {
        let vision = extractor.encoder.config
        let side = extractor.imageSize / vision.patchSize
        digest = extractor.digest
        layers = extractor.layers.count
        g = [vision.projectionDim]
        u = [side * side, vision.width]
        z0 = [side * side, vision.projectionDim]
        dtype = extractor.featureDType
    }

    /// Throws `malformed`, saying what differs, unless `answer` is what was asked for.
    func check(_ answer: FeaturesPayload, items: [UInt32]) throws(WireError) {
        guard answer.extractorDigest == digest else {
            throw .malformed("FEATURES for extractor \(answer.extractorDigest), expected \(digest)")
        }
        guard answer.items.map(\.index) == items else {
            throw .malformed("FEATURES items \(answer.items.map(\.index)), expected \(items)")
        }
        for (index, f) in answer.items {
            guard f.g.shape == g, f.u.count == layers, f.z0.count == layers,
                  f.u.allSatisfy({ $0.shape == u }), f.z0.allSatisfy({ $0.shape == z0 }) else {
                throw .malformed("FEATURES item \(index): g \(f.g.shape), U \(f.u.map(\.shape)), Z0 \(f.z0.map(\.shape)); expected g \(g), \(layers) x U \(u), \(layers) x Z0 \(z0)")
            }
            guard (f.u + f.z0).allSatisfy({ $0.dtype == dtype }) else {
                throw .malformed("FEATURES item \(index): U and Z0 in \(Set((f.u + f.z0).map(\.dtype.rawValue)).sorted()), expected \(dtype.rawValue)")
            }
        }
    }
}
