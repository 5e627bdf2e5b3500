import Foundation

/// The text of report.html: everything report.md has (notes, the metrics table with its
/// footnotes, test image counts, ROC curves, the overlay gallery) plus the run's
/// provenance, its training curves and its data check, in one self-contained file: SVG
/// inline, images as data URIs, the style in the page (`HTMLPage`), nothing fetched from anywhere.
struct ReportHTML {
    let title: String
    let notes: [String]
    let classNames: [String]
    let sites: [SiteEvaluation]
    /// Per site: the image-level and pixel-level ROC charts (SVG text) and each overlay
    /// sample's picture (`PredictionPicture`, PNG bytes), in the site's overlay order.
    let rocSVGs: [(image: String, pixel: String)]
    let overlayPNGs: [[[UInt8]]]
    let extras: ReportExtras

    func render() -> String {
        var s = HTMLPage.start(title: title)
        if !notes.isEmpty { s += "<ul class=\"notes\">" + notes.map { "<li>\(HTMLPage.esc($0))</li>" }.joined() + "</ul>\n" }
        s += provenance() + metrics() + counts() + curves() + rocs() + overlays() + data()
        return s + HTMLPage.end
    }

    func provenance() -> String {
        guard !extras.provenance.isEmpty else { return "" }
        return "<h2 id=\"provenance\">Provenance</h2>\n<table>"
            + extras.provenance.map { "<tr><th>\(HTMLPage.esc($0.key))</th><td>\(HTMLPage.esc($0.value))</td></tr>" }.joined()
            + "</table>\n"
    }

    /// The metrics table; an undefined value reads "n/a" with a numbered footnote giving the reason.
    func metrics() -> String {
        var s = "<h2 id=\"metrics\">Metrics</h2>\n<table><tr><th>Site</th>"
            + ReportMetric.allCases.map { "<th>\(HTMLPage.esc($0.title))</th>" }.joined() + "</tr>\n"
        let footnotes = MetricFootnotes(sites: sites, classNames: classNames)
        for (si, site) in sites.enumerated() {
            s += "<tr><td>\(HTMLPage.esc(site.name))</td>"
            for m in ReportMetric.allCases {
                if let k = footnotes.number(site: si, m) {
                    s += "<td class=\"n\">n/a<sup><a href=\"#fn\(k)\">\(k)</a></sup></td>"
                } else {
                    s += "<td class=\"n\">\(ReportText.cell(m.value(in: site.metrics)))</td>"
                }
            }
            s += "</tr>\n"
        }
        s += "</table>\n"
        for (i, n) in footnotes.notes.enumerated() {
            let text = "Site \(n.site): \(n.metrics.joined(separator: ", ")) undefined: \(n.reason)."
            s += "<p class=\"foot\" id=\"fn\(i + 1)\">\(i + 1). \(HTMLPage.esc(text))</p>\n"
        }
        return s
    }

    func counts() -> String {
        var s = "<h2 id=\"images\">Test images</h2>\n<table><tr><th>Site</th>" + classNames.map { "<th>\(HTMLPage.esc($0))</th>" }.joined()
            + "<th>All</th><th>Pixels</th><th>Lesion pixels</th></tr>\n"
        for site in sites {
            let m = site.metrics
            s += "<tr><td>\(HTMLPage.esc(site.name))</td>" + (m.classCounts + [m.images, m.pixels, m.lesionPixels]).map { "<td class=\"n\">\($0)</td>" }.joined() + "</tr>\n"
        }
        return s + "</table>\n"
    }

    func curves() -> String {
        guard !extras.curves.isEmpty else { return "" }
        return "<h2 id=\"training\">Training</h2>\n<div class=\"charts\">\n" + extras.curves.map(\.svg).joined() + "</div>\n"
    }

    func rocs() -> String {
        var s = "<h2 id=\"roc\">ROC curves</h2>\n"
        for (site, svg) in zip(sites, rocSVGs) {
            s += "<h3>Site \(HTMLPage.esc(site.name))</h3>\n<div class=\"roc\">\(HTMLPage.inline(svg.image))\(HTMLPage.inline(svg.pixel))</div>\n"
        }
        return s
    }

    func overlays() -> String {
        var s = """
        <h2 id="overlays">Overlays</h2>
        <p>Each picture: the test image, its anomaly map (black at 0, red at 0.5, yellow at 1, the colour bar on the right) \
        and the overlay (the map over the image, the true lesion outlined in green). Best and worst are by image score within a class.</p>

        """
        for (site, pngs) in zip(sites, overlayPNGs) {
            s += "<h3>Site \(HTMLPage.esc(site.name))</h3>\n"
            guard !site.overlays.isEmpty else { s += "<p>No overlays.</p>\n"; continue }
            for (o, png) in zip(site.overlays, pngs) {
                let className = o.label < classNames.count ? classNames[o.label] : "class \(o.label)"
                let roles = o.roles.map(\.description).joined(separator: ", ")
                s += "<figure><img class=\"overlay\" alt=\"\(HTMLPage.esc(o.id))\" "
                    + "src=\"data:image/png;base64,\(Data(png).base64EncodedString())\">"
                    + "<figcaption>\(HTMLPage.esc(className)), \(HTMLPage.esc(roles))<br>\(HTMLPage.esc(o.id))<br>score \(ReportText.cell(Double(o.score)))</figcaption></figure>\n"
            }
        }
        return s
    }

    func data() -> String {
        guard !extras.data.isEmpty else { return "" }
        var s = "<h2 id=\"data\">Data check</h2>\n<table><tr><th>Site</th><th>Format</th>" + classNames.map { "<th>\(HTMLPage.esc($0))</th>" }.joined()
            + "<th>Groups</th><th>Skipped</th><th>Duplicate groups</th><th>Label conflicts</th><th>Not tested (group of a shot)</th></tr>\n"
        for d in extras.data {
            let numbers = d.classCounts + [d.groups, d.skipped, d.duplicateGroups, d.labelConflicts, d.excludedFromTest]
            s += "<tr><td>\(HTMLPage.esc(d.name))</td><td>\(HTMLPage.esc(d.format))</td>" + numbers.map { "<td class=\"n\">\($0)</td>" }.joined() + "</tr>\n"
        }
        return s + "</table>\n<p class=\"foot\"><code>ultraad data check --config ...</code> lists every skipped file, duplicate and conflict.</p>\n"
    }
}
