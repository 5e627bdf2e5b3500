/// The text of report.md: title, notes, the metrics table with footnotes for undefined
/// values, test-image counts, ROC curves and the overlay gallery.
struct ReportMarkdown {
    /// Where one site's files are, relative to report.md.
    struct SiteFiles {
        var imageROC: String
        var pixelROC: String
        /// One per `SiteEvaluation.overlays` entry.
        var overlays: [String]
    }

    let title: String
    let notes: [String]
    let classNames: [String]
    let sites: [SiteEvaluation]
    let files: [SiteFiles]

    func render() -> String {
        var s = "# \(title)\n\n"
        for n in notes { s += "- \(n)\n" }
        if !notes.isEmpty { s += "\n" }
        s += metricsSection() + countsSection() + rocSection() + overlaySection()
        return s
    }

    /// The metrics table; a NaN reads "n/a[^k]", footnote k giving the reason.
    func metricsSection() -> String {
        var s = "## Metrics\n\n"
        s += "| Site | " + ReportMetric.allCases.map(\.title).joined(separator: " | ") + " |\n"
        s += "|:--|" + String(repeating: "--:|", count: ReportMetric.allCases.count) + "\n"
        let footnotes = MetricFootnotes(sites: sites, classNames: classNames)
        for (si, site) in sites.enumerated() {
            let cells = [ReportText.markdown(site.name)] + ReportMetric.allCases.map { m in
                footnotes.number(site: si, m).map { "n/a[^\($0)]" } ?? ReportText.cell(m.value(in: site.metrics))
            }
            s += "| " + cells.joined(separator: " | ") + " |\n"
        }
        s += "\n"
        for (k, n) in footnotes.notes.enumerated() {
            s += "[^\(k + 1)]: Site \(ReportText.markdown(n.site)): \(n.metrics.joined(separator: ", ")) undefined: \(n.reason).\n"
        }
        if !footnotes.notes.isEmpty { s += "\n" }
        let abnormal = classNames.dropFirst().joined(separator: " or ")
        s += """
        - Image: \(classNames.first ?? "normal") (negative) against \(abnormal) (positive), on the image anomaly score.
        - Pixel: every pixel of every test image, lesion-mask pixels positive, on the anomaly map.
        - Class AUROC: macro one-vs-rest over \(classNames.joined(separator: ", ")), on the class probabilities.
        - Benign vs malignant AUROC: the benign and malignant images only, malignant positive, \
        on p(malignant) / (p(benign) + p(malignant)).
        - AP: average precision; F1-max: the best F1 over all thresholds.


        """
        return s
    }

    func countsSection() -> String {
        var s = "## Test images\n\n| Site | " + classNames.map(ReportText.markdown).joined(separator: " | ")
        s += " | All | Pixels | Lesion pixels |\n|:--|" + String(repeating: "--:|", count: classNames.count + 3) + "\n"
        for site in sites {
            let m = site.metrics
            let cells = [ReportText.markdown(site.name)] + m.classCounts.map(String.init)
                + [String(m.images), String(m.pixels), String(m.lesionPixels)]
            s += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return s + "\n"
    }

    func rocSection() -> String {
        var s = "## ROC curves\n\n| Site | Image level | Pixel level |\n|:--|:-:|:-:|\n"
        for (site, f) in zip(sites, files) {
            let n = ReportText.markdown(site.name)
            s += "| \(n) | ![Image-level ROC, site \(n)](\(f.imageROC)) | ![Pixel-level ROC, site \(n)](\(f.pixelROC)) |\n"
        }
        return s + "\n"
    }

    func overlaySection() -> String {
        var s = """
        ## Overlays

        Each picture: the test image, its anomaly map (black at 0, red at 0.5, yellow at 1; the \
        colour bar on the right) and the overlay (the map over the image, the true lesion outlined \
        in green). Best and worst are by image score within a class: an abnormal image is better \
        the higher its score, a normal image the lower.


        """
        for (site, f) in zip(sites, files) {
            s += "### Site \(ReportText.markdown(site.name))\n\n"
            guard !site.overlays.isEmpty else {
                s += "No overlays (no test images were kept for them).\n\n"
                continue
            }
            s += "| Class | Best | Worst |\n|:--|:-:|:-:|\n"
            for c in classNames.indices {
                func cell(_ kind: OverlaySample.Role.Kind) -> String {
                    var parts: [(rank: Int, text: String)] = []
                    for (o, path) in zip(site.overlays, f.overlays) where o.label == c {
                        for r in o.roles where r.kind == kind {
                            let id = ReportText.markdown(o.id)
                            parts.append((r.rank, "![\(id)](\(path))<br>\(id)<br>score \(ReportText.cell(Double(o.score)))"))
                        }
                    }
                    return parts.sorted { $0.rank < $1.rank }.map(\.text).joined(separator: "<br>")
                }
                let best = cell(.best), worst = cell(.worst)
                if best.isEmpty && worst.isEmpty { continue }
                s += "| \(ReportText.markdown(classNames[c])) | \(best) | \(worst) |\n"
            }
            s += "\n"
        }
        return s
    }
}
