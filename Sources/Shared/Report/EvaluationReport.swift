import Foundation

/// Writes a run's evaluation report from finished sites (`SiteAccumulator.finish()`):
///
///     FOLDER/report.md                 metrics table, counts, ROC curves, overlay gallery
///     FOLDER/report.html               the same in one self-contained page, with `ReportExtras`
///     FOLDER/metrics.json              `MetricsFile`
///     FOLDER/roc-SITE-image.svg        image-level ROC curve of each site
///     FOLDER/roc-SITE-pixel.svg        pixel-level ROC curve of each site
///     FOLDER/overlays/SITE-CLASS-ROLE-IMAGE.png   the image | map | overlay picture (`PredictionPicture`)
///
/// SITE, CLASS and IMAGE are the names reduced to letters, digits, '.', '-' and '_'.
/// And the cross-site (domain-shift) matrix as crosssite.md and crosssite.json.
public enum EvaluationReport {
    /// Writes the report of `sites` (in this order) into `folder`, made if missing; report.md
    /// is written last. `identity`: the run's config digest and the step evaluated, recorded
    /// in metrics.json. returns: the metrics by site name.
    @discardableResult
    public static func write(sites: [SiteEvaluation], to folder: URL, title: String,
                             notes: [String] = [], extras: ReportExtras = ReportExtras(),
                             identity: (configDigest: String, step: Int)? = nil) throws(ReportError) -> [String: SiteMetrics] {
        guard let classNames = sites.first?.classNames else { throw .invalidArgument("no test sites to report") }
        let names = sites.map(\.name)
        try checkDistinct(names)
        if let odd = sites.first(where: { $0.classNames != classNames }) {
            throw .invalidArgument("site \(odd.name) has classes \(odd.classNames), site \(names[0]) has \(classNames)")
        }
        try ReportFiles.makeFolder(folder)
        let safeSites = ReportText.uniqueSafeNames(names)
        var files: [ReportMarkdown.SiteFiles] = []
        var rocSVGs: [(image: String, pixel: String)] = [], overlayPNGs: [[[UInt8]]] = []
        for (site, safe) in zip(sites, safeSites) {
            var f = ReportMarkdown.SiteFiles(imageROC: "roc-\(safe)-image.svg", pixelROC: "roc-\(safe)-pixel.svg", overlays: [])
            let m = site.metrics
            let abnormal = m.classCounts.dropFirst().reduce(0, +)
            let image = ROCChart.svg(title: "Image-level ROC, site \(site.name)", points: site.imageROC, auroc: m.imageAUROC,
                                     caption: "\(abnormal) abnormal, \(m.classCounts.first ?? 0) normal images")
            let pixel = ROCChart.svg(title: "Pixel-level ROC, site \(site.name)", points: site.pixelROC, auroc: m.pixelAUROC,
                                     caption: "\(m.lesionPixels) lesion, \(m.pixels - m.lesionPixels) other pixels")
            try ReportFiles.write(image, to: folder.appendingPathComponent(f.imageROC))
            try ReportFiles.write(pixel, to: folder.appendingPathComponent(f.pixelROC))
            let overlays = try writeOverlays(site, safeSite: safe, folder: folder)
            f.overlays = overlays.map(\.path)
            files.append(f)
            rocSVGs.append((image, pixel))
            overlayPNGs.append(overlays.map(\.png))
        }
        var metrics: [String: SiteMetrics] = [:]
        for s in sites { metrics[s.name] = s.metrics }
        try ReportFiles.writeJSON(MetricsFile(title: title, classes: classNames, sites: names, metrics: metrics,
                                              configDigest: identity?.configDigest, step: identity?.step),
                                  to: folder.appendingPathComponent("metrics.json"))
        let page = ReportHTML(title: title, notes: notes, classNames: classNames, sites: sites, rocSVGs: rocSVGs,
                              overlayPNGs: overlayPNGs, extras: extras).render()
        try ReportFiles.write(page, to: folder.appendingPathComponent("report.html"))
        let text = ReportMarkdown(title: title, notes: notes, classNames: classNames, sites: sites, files: files).render()
        try ReportFiles.write(text, to: folder.appendingPathComponent("report.md"))
        return metrics
    }

    /// The gallery's picture of an overlay sample: the image, its map and the overlay with
    /// the colour bar, the class, role and score, as `ultraad predict` draws its pictures.
    static func picture(_ o: OverlaySample, classNames: [String]) -> PredictionPicture {
        let className = o.label < classNames.count ? classNames[o.label] : "class \(o.label)"
        let roles = o.roles.map(\.description).joined(separator: ", ")
        return PredictionPicture(gray: o.gray, map: o.map, width: o.width, height: o.height, lesion: o.lesion,
                                 caption: ["\(className), \(roles)", String(format: "image score %.3f", o.score)])
    }

    /// Writes the overlays of one site; returns their paths relative to `folder` and their bytes.
    static func writeOverlays(_ site: SiteEvaluation, safeSite: String, folder: URL) throws(ReportError) -> [(path: String, png: [UInt8])] {
        guard !site.overlays.isEmpty else { return [] }
        let dir = folder.appendingPathComponent("overlays")
        try ReportFiles.makeFolder(dir)
        var written: [(path: String, png: [UInt8])] = []
        for o in site.overlays {
            let className = o.label < site.classNames.count ? site.classNames[o.label] : "class\(o.label)"
            let role = o.roles.first.map { "\($0.kind.rawValue)\($0.rank)" } ?? "sample"
            let name = "\(safeSite)-\(ReportText.safeName(className))-\(role)-\(ReportText.safeName(o.id)).png"
            let url = dir.appendingPathComponent(name)
            let picture = Self.picture(o, classNames: site.classNames).render()
            let png: [UInt8]
            do { png = try PNGImage.encodeRGB8(width: picture.width, height: picture.height, pixels: picture.pixels, layout: .chw) } catch {
                throw .cannotWrite(file: url.path, reason: "\(error)")
            }
            try ReportFiles.write(png, to: url)
            written.append(("overlays/" + name, png))
        }
        return written
    }

    /// Writes the domain-shift matrix as crosssite.md (one table per metric, rows: trained
    /// on, columns: tested on, diagonal in bold) and crosssite.json into `folder`.
    /// matrix[trainedOn][testedOn]; `order` names every site of the matrix, in table order.
    public static func writeCrossSite(matrix: [String: [String: SiteMetrics]], order: [String],
                                      to folder: URL) throws(ReportError) {
        guard !order.isEmpty else { throw .invalidArgument("cross-site matrix: no sites") }
        try checkDistinct(order)
        let known = Set(order)
        for (train, row) in matrix {
            guard known.contains(train) else { throw .invalidArgument("cross-site matrix: trained-on site \(train) is not in the order \(order)") }
            for test in row.keys where !known.contains(test) {
                throw .invalidArgument("cross-site matrix: tested-on site \(test) is not in the order \(order)")
            }
        }
        try ReportFiles.makeFolder(folder)
        try ReportFiles.writeJSON(CrossSiteFile(sites: order, matrix: matrix),
                                  to: folder.appendingPathComponent("crosssite.json"))
        try ReportFiles.write(CrossSiteMarkdown(sites: order, matrix: matrix).render(),
                              to: folder.appendingPathComponent("crosssite.md"))
    }

    static func checkDistinct(_ names: [String]) throws(ReportError) {
        var seen = Set<String>()
        for n in names {
            guard !n.isEmpty else { throw .invalidArgument("a site has an empty name") }
            guard seen.insert(n).inserted else { throw .invalidArgument("site \(n) appears twice") }
        }
    }
}
