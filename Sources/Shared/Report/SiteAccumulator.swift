/// Accumulates one test site's predictions as they arrive, so that no anomaly map is held
/// after `add` returns: image scores and every pixel's (map value, mask) pair go into
/// `BinaryScores` (8 bytes a pixel), class probabilities into a list, and a bounded
/// sample of images into the overlay gallery. `finish()` reduces it all to metrics.
public struct SiteAccumulator: Sendable {
    public let name: String
    /// Class names by index; index 0 is the normal class.
    public let classNames: [String]
    /// Longest side of a kept overlay image, in pixels.
    public let overlayMaxSide: Int

    private var imageScores = BinaryScores()
    private var pixelScores: BinaryScores
    private var labels: [Int] = []
    /// [n, C] row-major.
    private var probabilities: [Float] = []
    private var picker: OverlayPicker
    private var finished = false

    /// - overlaysPerClass: how many best and how many worst images of each class the
    ///   overlay gallery shows (0: none).
    /// - expectedPixels: test pixels to reserve room for (a hint; 0 grows as needed).
    public init(name: String, classNames: [String] = LesionClass.allCases.map(\.name),
                overlaysPerClass: Int = 1, overlayMaxSide: Int = 256, expectedPixels: Int = 0) {
        self.name = name
        self.classNames = classNames
        self.overlayMaxSide = max(overlayMaxSide, 8)
        pixelScores = BinaryScores(reservingCapacity: max(expectedPixels, 0))
        picker = OverlayPicker(classes: classNames.count, perClass: overlaysPerClass)
    }

    /// Images added so far.
    public var count: Int { labels.count }

    /// Adds one test image. Nothing is added when it throws.
    public mutating func add(_ e: ImageEvaluation) throws(ReportError) {
        if finished { throw .invalidArgument("site \(name): add after finish()") }
        try validate(e)
        let seq = labels.count
        do {
            try imageScores.add(e.score, positive: e.label != 0)
            let mask = e.mask.data
            for (i, v) in e.map.data.enumerated() { try pixelScores.add(v, positive: mask[i] > 0.5) }
        } catch {
            // validate() has excluded NaN, the only value BinaryScores rejects.
            throw .invalidEvaluation(site: name, image: e.id, reason: error.description)
        }
        labels.append(e.label)
        probabilities.append(contentsOf: e.probabilities)
        if picker.wants(label: e.label, score: e.score), let sample = OverlaySample(e, maxSide: overlayMaxSide) {
            picker.offer(sample, seq: seq)
        }
    }

    private func validate(_ e: ImageEvaluation) throws(ReportError) {
        func bad(_ reason: String) -> ReportError { .invalidEvaluation(site: name, image: e.id, reason: reason) }
        guard classNames.indices.contains(e.label) else {
            throw bad("label \(e.label) is not a class index 0..<\(classNames.count)")
        }
        guard e.mask.rank == 2, e.mask.shape[0] > 0, e.mask.shape[1] > 0 else {
            throw bad("mask has shape \(e.mask.shape), expected [H, W]")
        }
        guard e.map.shape == e.mask.shape else {
            throw bad("anomaly map has shape \(e.map.shape), the mask \(e.mask.shape)")
        }
        if let i = e.map.data.firstIndex(where: { !$0.isFinite }) {
            throw bad("anomaly map value \(e.map.data[i]) at pixel \(i) is not finite")
        }
        guard e.score.isFinite else { throw bad("image score \(e.score) is not finite") }
        guard e.probabilities.count == classNames.count else {
            throw bad("\(e.probabilities.count) class probabilities for \(classNames.count) classes")
        }
        guard e.probabilities.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw bad("class probabilities \(e.probabilities) are not all finite and >= 0")
        }
        if let image = e.image {
            let s = image.shape
            let ok = (s.count == 2 || (s.count == 3 && (s[0] == 1 || s[0] == 3))) && s[s.count - 1] > 0 && s[s.count - 2] > 0
            guard ok else { throw bad("image has shape \(s), expected [3, h, w], [1, h, w] or [h, w]") }
        }
    }

    /// Reduces the site to its metrics, ROC curves and overlay gallery, and releases the
    /// pixel scores. Call once; the accumulator takes no more images afterwards.
    /// rocPoints: the most points a plotted ROC curve keeps (at least 3).
    public mutating func finish(rocPoints: Int = 512) throws(ReportError) -> SiteEvaluation {
        let rocPoints = max(rocPoints, 3)
        if finished { throw .invalidArgument("site \(name): finish() called twice") }
        finished = true
        let image = imageScores.summary(), pixel = pixelScores.summary()
        // Sampled at up to 65536 thresholds, then thinned along the curve for the plot.
        func curve(_ s: inout BinaryScores) -> [ROCPoint] {
            ROCThinning.thin(s.rocCurve(maxPoints: 1 << 16).map { ROCPoint(fpr: $0.fpr, tpr: $0.tpr) },
                             maxPoints: rocPoints)
        }
        let imageROC = curve(&imageScores), pixelROC = curve(&pixelScores)
        pixelScores = BinaryScores()
        let classes = classNames.count
        let classAUROC: Double
        do {
            classAUROC = try macroOneVsRestAUROC(probabilities: probabilities, labels: labels, classes: classes)
        } catch {
            throw .invalidArgument("site \(name): \(error.description)")
        }
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[l] += 1 }
        let metrics = SiteMetrics(
            imageAUROC: image.auroc, imageAP: image.averagePrecision, imageF1: image.maxF1,
            pixelAUROC: pixel.auroc, pixelAP: pixel.averagePrecision, pixelF1: pixel.maxF1,
            classAUROC: classAUROC, benignMalignantAUROC: benignMalignantAUROC(),
            classCounts: counts, pixels: pixel.positives + pixel.negatives, lesionPixels: pixel.positives)
        return SiteEvaluation(name: name, classNames: classNames, metrics: metrics,
                              imageROC: imageROC, pixelROC: pixelROC, overlays: picker.picks())
    }

    /// AUROC of malignant (positive) against benign over the abnormal images, on the
    /// malignant probability given abnormal, p[2] / (p[1] + p[2]): the normal class's share
    /// of the probability would otherwise rank images by how abnormal they look rather
    /// than by which lesion they show. NaN without three classes or without both lesions.
    private func benignMalignantAUROC() -> Double {
        let benign = LesionClass.benign.rawValue, malignant = LesionClass.malignant.rawValue
        guard classNames.count == 3 else { return .nan }
        var s = BinaryScores()
        for (i, l) in labels.enumerated() where l == benign || l == malignant {
            let pb = probabilities[i * 3 + benign], pm = probabilities[i * 3 + malignant]
            let conditional = pb + pm > 0 ? pm / (pb + pm) : 0.5
            // Finite and >= 0 (validated), so never NaN.
            try? s.add(conditional, positive: l == malignant)
        }
        return s.summary().auroc
    }
}
