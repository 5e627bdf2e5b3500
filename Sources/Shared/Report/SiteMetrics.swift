/// The evaluation metrics of one test site (docs/METHOD.md, "Inference and metrics"). A metric
/// that is undefined on the site (a class absent) is NaN; `ReportMetric.undefinedReason`
/// says why. In JSON a NaN is `null`.
public struct SiteMetrics: Codable, Equatable, Sendable {
    /// Normal (negative) against benign or malignant (positive), on the image score.
    public var imageAUROC: Double
    public var imageAP: Double
    public var imageF1: Double
    /// Every pixel of every test image; lesion-mask pixels are positive.
    public var pixelAUROC: Double
    public var pixelAP: Double
    public var pixelF1: Double
    /// Macro one-vs-rest AUROC of the class probabilities over all classes.
    public var classAUROC: Double
    /// Abnormal images only: malignant (positive) against benign, on the malignant
    /// probability given abnormal, p[2] / (p[1] + p[2]).
    public var benignMalignantAUROC: Double
    /// Test images per class index: [C].
    public var classCounts: [Int]
    /// Test pixels, and how many of them are lesion pixels.
    public var pixels: Int
    public var lesionPixels: Int

    public init(imageAUROC: Double, imageAP: Double, imageF1: Double,
                pixelAUROC: Double, pixelAP: Double, pixelF1: Double,
                classAUROC: Double, benignMalignantAUROC: Double,
                classCounts: [Int], pixels: Int, lesionPixels: Int) {
        self.imageAUROC = imageAUROC
        self.imageAP = imageAP
        self.imageF1 = imageF1
        self.pixelAUROC = pixelAUROC
        self.pixelAP = pixelAP
        self.pixelF1 = pixelF1
        self.classAUROC = classAUROC
        self.benignMalignantAUROC = benignMalignantAUROC
        self.classCounts = classCounts
        self.pixels = pixels
        self.lesionPixels = lesionPixels
    }

    /// Test images of all classes.
    public var images: Int { classCounts.reduce(0, +) }

    /// Equal when every field is, with NaN equal to NaN (both say "undefined").
    public static func == (a: SiteMetrics, b: SiteMetrics) -> Bool {
        a.classCounts == b.classCounts && a.pixels == b.pixels && a.lesionPixels == b.lesionPixels
            && ReportMetric.allCases.allSatisfy { m in
                let x = m.value(in: a), y = m.value(in: b)
                return x == y || (x.isNaN && y.isNaN)
            }
    }

    enum CodingKeys: String, CodingKey {
        case imageAUROC, imageAP, imageF1, pixelAUROC, pixelAP, pixelF1, classAUROC,
             benignMalignantAUROC, classCounts, pixels, lesionPixels
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func metric(_ k: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: k) ?? .nan }
        imageAUROC = try metric(.imageAUROC)
        imageAP = try metric(.imageAP)
        imageF1 = try metric(.imageF1)
        pixelAUROC = try metric(.pixelAUROC)
        pixelAP = try metric(.pixelAP)
        pixelF1 = try metric(.pixelF1)
        classAUROC = try metric(.classAUROC)
        benignMalignantAUROC = try metric(.benignMalignantAUROC)
        classCounts = try c.decode([Int].self, forKey: .classCounts)
        pixels = try c.decode(Int.self, forKey: .pixels)
        lesionPixels = try c.decode(Int.self, forKey: .lesionPixels)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func metric(_ v: Double, _ k: CodingKeys) throws {
            if v.isFinite { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) }
        }
        try metric(imageAUROC, .imageAUROC)
        try metric(imageAP, .imageAP)
        try metric(imageF1, .imageF1)
        try metric(pixelAUROC, .pixelAUROC)
        try metric(pixelAP, .pixelAP)
        try metric(pixelF1, .pixelF1)
        try metric(classAUROC, .classAUROC)
        try metric(benignMalignantAUROC, .benignMalignantAUROC)
        try c.encode(classCounts, forKey: .classCounts)
        try c.encode(pixels, forKey: .pixels)
        try c.encode(lesionPixels, forKey: .lesionPixels)
    }
}
