/// The eight metrics of a report, in table order, with their titles and why one can be
/// undefined on a site.
public enum ReportMetric: String, CaseIterable, Sendable {
    case imageAUROC, imageAP, imageF1, pixelAUROC, pixelAP, pixelF1, classAUROC, benignMalignantAUROC

    /// The column title in report tables.
    public var title: String {
        switch self {
        case .imageAUROC: return "Image AUROC"
        case .imageAP: return "Image AP"
        case .imageF1: return "Image F1-max"
        case .pixelAUROC: return "Pixel AUROC"
        case .pixelAP: return "Pixel AP"
        case .pixelF1: return "Pixel F1-max"
        case .classAUROC: return "Class AUROC"
        case .benignMalignantAUROC: return "Benign vs malignant AUROC"
        }
    }

    public func value(in m: SiteMetrics) -> Double {
        switch self {
        case .imageAUROC: return m.imageAUROC
        case .imageAP: return m.imageAP
        case .imageF1: return m.imageF1
        case .pixelAUROC: return m.pixelAUROC
        case .pixelAP: return m.pixelAP
        case .pixelF1: return m.pixelF1
        case .classAUROC: return m.classAUROC
        case .benignMalignantAUROC: return m.benignMalignantAUROC
        }
    }

    /// Why the metric is NaN on a site with these counts (nil when it is defined).
    /// classNames: [C], index 0 the normal class.
    public func undefinedReason(in m: SiteMetrics, classNames: [String]) -> String? {
        guard value(in: m).isNaN else { return nil }
        let counts = m.classCounts
        let normal = counts.first ?? 0, abnormal = counts.dropFirst().reduce(0, +)
        let abnormalNames = "abnormal (\(classNames.dropFirst().joined(separator: " or ")))"
        switch self {
        case .imageAUROC, .imageAP, .imageF1:
            if self == .imageAUROC && normal == 0 { return "no \(name(0, classNames)) test images" }
            if abnormal == 0 { return "no \(abnormalNames) test images" }
        case .pixelAUROC, .pixelAP, .pixelF1:
            if m.pixels == 0 { return "no test pixels" }
            if m.lesionPixels == 0 { return "no lesion pixels in the test masks" }
            if m.lesionPixels == m.pixels && self == .pixelAUROC { return "no background pixels in the test masks" }
        case .classAUROC:
            let absent = counts.indices.filter { counts[$0] == 0 }.map { name($0, classNames) }
            if !absent.isEmpty { return "no \(absent.joined(separator: ", ")) test images (every class must be present)" }
        case .benignMalignantAUROC:
            guard counts.count == 3 else { return "needs exactly the classes normal, benign, malignant" }
            let absent = [1, 2].filter { counts[$0] == 0 }.map { name($0, classNames) }
            if !absent.isEmpty { return "no \(absent.joined(separator: ", ")) test images" }
        }
        return "undefined"
    }

    private func name(_ c: Int, _ names: [String]) -> String { c < names.count ? names[c] : "class \(c)" }
}
