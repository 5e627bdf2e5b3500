import Foundation
import Shared

/// RUN/scores.csv: one row per test image with what the head gave it, so anyone can
/// recompute the metrics (docs/FORMATS.md, "scores.csv"). Columns: `site,path,label,group,
/// image_score,p_detect,` then `p_<class>` for each of `model.classes`; `path` is relative
/// to the site's folder, `group` the patient as the dataset names it (or the image itself).
struct ScoresFile {
    let classes: [String]
    private var text: String

    init(classes: [String]) {
        self.classes = classes
        text = CSV.format(["site", "path", "label", "group", "image_score", "p_detect"] + classes.map { "p_" + $0 })
    }

    mutating func add(_ entry: DatasetEntry, prediction p: HeadPrediction) {
        text += CSV.format([entry.site, entry.relativePath, entry.label.name, entry.group,
                            Self.number(p.score), Self.number(p.detection)] + p.probabilities.map(Self.number))
    }

    func write(to url: URL) throws {
        if let failure = AtomicFile.write(Array(text.utf8), to: url, durable: false) {
            throw CoordinatorError.run("\(url.path): cannot write: \(failure)")
        }
    }

    /// Shortest text that reads back to the same Float.
    static func number(_ x: Float) -> String { "\(x)" }
}
