import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// report.html in a real browser (Debian's headless Chromium; scripts/test installs it): a
/// checker script injected into a copy of the page records broken images, SVGs that do not
/// render and script errors into the DOM, which `--dump-dom` reads back; a screenshot shows
/// the page is not blank; the console log has no error; nothing is fetched from a network
/// (every host name fails to resolve). The screenshot is kept in
/// TMPDIR/ultraad-test-output/report-screenshot.png.
final class ReportBrowserTests: ProcessTestCase {
    static let checker = """
    <script>
    window.__ultraadErrors = [];
    window.addEventListener('error', function (e) {
      window.__ultraadErrors.push(String(e.message || (e.target && (e.target.src || e.target.outerHTML || '').slice(0, 80))));
    }, true);
    window.addEventListener('load', function () {
      var broken = [], empty = 0, svgs = document.querySelectorAll('svg');
      for (var i = 0; i < document.images.length; i++) {
        var im = document.images[i];
        if (!im.complete || im.naturalWidth === 0) broken.push(im.alt);
      }
      for (var j = 0; j < svgs.length; j++) {
        var r = svgs[j].getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || svgs[j].querySelectorAll('text, line, polyline, rect').length === 0) empty++;
      }
      var out = {images: document.images.length, broken: broken, svgs: svgs.length, emptySVGs: empty,
                 errors: window.__ultraadErrors, text: document.body.innerText.length};
      var pre = document.createElement('pre');
      pre.id = 'ultraad-check';
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
      console.log('ultraad-check done');
    });
    </script>
    """

    struct Check: Decodable {
        var images: Int, broken: [String], svgs: Int, emptySVGs: Int, errors: [String], text: Int
    }

    /// RUN/tensorboard holds the training file (a loss and its parts at every step, equal
    /// to metrics.jsonl's, as Float) and the evaluation's file (each site's metrics at the
    /// last step).
    func checkTensorBoard(_ run: URL, steps: Int) throws {
        let folder = run.appendingPathComponent("tensorboard")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
        XCTAssertEqual(files.count, 2, "training and evaluation: \(files)")
        let events = try files.flatMap { try TensorBoardEvents.read(folder.appendingPathComponent($0)) }
        func values(_ tag: String) -> [(step: Int, value: Float)] {
            events.flatMap { e in e.scalars.filter { $0.tag == tag }.map { (e.step, $0.value) } }
        }
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let losses = try lines.map { line -> Double in
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try XCTUnwrap(record?["loss"] as? Double)
        }
        XCTAssertEqual(values("loss/total").map(\.step), Array(1...steps))
        XCTAssertEqual(values("loss/total").map(\.value), losses.map { Float($0) })
        for tag in ["loss/focal", "loss/dice", "loss/bce", "loss/ce", "train/learning_rate", "train/step_seconds",
                    "train/episodes_per_second", "train/workers"] {
            XCTAssertEqual(values(tag).count, steps, tag)
        }
        let metrics = try MetricsFile.read(run.appendingPathComponent("metrics.json"))
        for site in ["A", "B"] {
            let auroc = try XCTUnwrap(metrics.metrics[site]?.pixelAUROC)
            XCTAssertEqual(values("eval/\(site)/pixel_auroc").map(\.step), [steps])
            XCTAssertEqual(values("eval/\(site)/pixel_auroc").first?.value, Float(auroc))
        }
    }

    func chromium() throws -> URL {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw missingPrerequisite("no chromium on this machine (scripts/test installs Debian's chromium)")
    }

    func browse(_ browser: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                                 "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                                 "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
                                 "--virtual-time-budget=10000"] + arguments)
    }

    /// The page with the checker first in <head>, as the browser saw it: the checker's
    /// findings and the dumped DOM.
    func rendered(_ page: String, browser: URL) throws -> (Check, String) {
        let copy = dir.appendingPathComponent("checked-\(UUID().uuidString.prefix(6)).html")
        try page.replacingOccurrences(of: "<head>", with: "<head>" + Self.checker).write(to: copy, atomically: true, encoding: .utf8)
        let (dumpStatus, dump) = try browse(browser, ["--dump-dom", copy.absoluteString])
        XCTAssertEqual(dumpStatus, 0, dump)
        let start = try XCTUnwrap(dump.range(of: "<pre id=\"ultraad-check\">"), "the checker did not run:\n\(dump.suffix(2000))")
        let end = try XCTUnwrap(dump.range(of: "</pre>", range: start.upperBound..<dump.endIndex))
        let json = String(dump[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        return (try JSONDecoder().decode(Check.self, from: Data(json.utf8)), dump)
    }

    /// A sweep's summary.html (`ultraad sweep report`): its tables and one plot per test
    /// site and metric render, nothing is fetched, no error.
    func testSweepSummaryRendersInAHeadlessBrowser() throws {
        let browser = try chromium()
        var (status, output) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                                        "--sites", "2", "--per-class", "3", "--size", "64", "--seed", "2"])
        XCTAssertEqual(status, 0, output)
        let config = dir.appendingPathComponent("sweep.yaml")
        try """
            version: 1
            run: {name: page, folder: sweep, seed: 1}
            sites: [{name: A, path: data/site-A}, {name: B, path: data/site-B}]
            train_sites: [A]
            fewshot: {shots: 1, views: [identity], cache: cache}
            model: {adapter_rank: 4}
            train: {steps: 2, checkpoint_every: 0, queries_per_class: 1}
            eval: {overlays: 0}
            sweep: {seeds: [1, 2], variants: {full: {}, no-bank: {model: {ablate: [memory_bank]}}}}
            """.write(to: config, atomically: true, encoding: .utf8)
        for step in [["run", "--local-workers", "1"], ["report"]] {
            (status, output) = try runProcess(ultraad, ["sweep"] + step + ["--config", config.path])
            XCTAssertEqual(status, 0, output)
        }
        let page = try String(contentsOf: dir.appendingPathComponent("sweep/summary.html"), encoding: .utf8)
        for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
            XCTAssertFalse(page.contains(fetch), "summary.html would fetch something: \(fetch)")
        }
        let (check, dump) = try rendered(page, browser: browser)
        XCTAssertGreaterThanOrEqual(check.svgs, 2 * ReportMetric.allCases.count, "a plot per test site and metric")
        XCTAssertEqual(check.emptySVGs, 0, "SVGs that do not render")
        XCTAssertEqual(check.broken, [])
        XCTAssertEqual(check.errors, [], "script or load errors")
        XCTAssertGreaterThan(check.text, 500, "the page has its tables")
        XCTAssertFalse(dump.contains("Uncaught"), "console errors:\n\(dump.suffix(2000))")
    }

    func testReportRendersInAHeadlessBrowser() throws {
        let browser = try chromium()
        let run = dir.appendingPathComponent("demo")
        let (status, output) = try runProcess(ultraad, ["demo", "--out", run.path, "--per-class", "6", "--steps", "8", "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        try checkTensorBoard(run.appendingPathComponent("run"), steps: 8)
        let page = try String(contentsOf: run.appendingPathComponent("run/report.html"), encoding: .utf8)
        for needle in ["<h2 id=\"training\">", "<h2 id=\"provenance\">", "<h2 id=\"data\">", "Image-level ROC", "data:image/png;base64,"] {
            XCTAssertTrue(page.contains(needle), "report.html lacks \(needle)")
        }
        for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
            XCTAssertFalse(page.contains(fetch), "report.html would fetch something: \(fetch)")
        }
        let (check, dump) = try rendered(page, browser: browser)
        XCTAssertGreaterThan(check.images, 0, "overlays are embedded")
        XCTAssertEqual(check.broken, [], "broken images")
        XCTAssertGreaterThanOrEqual(check.svgs, 4 + 2 * 2, "training curves and two ROC charts per site")
        XCTAssertEqual(check.emptySVGs, 0, "SVGs that do not render")
        XCTAssertEqual(check.errors, [], "script or load errors")
        XCTAssertGreaterThan(check.text, 500, "the page has text")
        XCTAssertFalse(dump.contains("Uncaught"), "console errors:\n\(dump.suffix(2000))")

        // The screenshot outlives the test's temporary folder, for a person to look at.
        let keep = FileManager.default.temporaryDirectory.appendingPathComponent("ultraad-test-output")
        try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
        let shot = keep.appendingPathComponent("report-screenshot.png")
        let (shotStatus, shotOutput) = try browse(browser, ["--screenshot=\(shot.path)", "--window-size=1280,2400", "--hide-scrollbars",
                                                           run.appendingPathComponent("run/report.html").absoluteString])
        XCTAssertEqual(shotStatus, 0, shotOutput)
        let image = try ImageFile.decodeRGB(try ImageFile.read(shot.path), name: shot.path)
        let n = image.width * image.height
        let inked = (0..<n).filter { i in (0..<3).contains { image.pixels[$0 * n + i] < 0.9 } }.count
        XCTAssertGreaterThan(Double(inked) / Double(n), 0.02, "the screenshot is (nearly) blank: \(inked) of \(n) pixels not white")
        let colours = Set((0..<n).lazy.filter { $0 % 7 == 0 }.map { i in (0..<3).map { Int(image.pixels[$0 * n + i] * 8) } })
        XCTAssertGreaterThan(colours.count, 20, "the screenshot has text, charts and pictures, not one flat colour")
        print("report screenshot: \(shot.path)")
    }
}
