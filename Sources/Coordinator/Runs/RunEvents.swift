import Foundation
import Shared

/// RUN/tensorboard/: the TensorBoard event files of a run (docs/FORMATS.md, "TensorBoard
/// event files"), so that `tensorboard --logdir RUN` (or a folder of runs) shows training
/// as it goes and the evaluation at its step. The tags are PyTorch-style paths.
enum RunEvents {
    static func folder(_ run: URL) -> URL { run.appendingPathComponent("tensorboard") }

    /// The writer for a training that starts after `step`. A fresh run (step 0) moves an
    /// earlier run's events to tensorboard.previous/, as metrics.jsonl moves to
    /// metrics.jsonl.previous; a resumed run's file starts with a session-start event at
    /// step + 1, which tells TensorBoard to drop the earlier files' events from that step on
    /// (those a run that died after its last checkpoint wrote; they are computed again).
    static func training(run: URL, afterStep step: Int) throws -> TensorBoardWriter {
        let events = folder(run), fm = FileManager.default
        if step == 0, fm.fileExists(atPath: events.path) {
            let previous = run.appendingPathComponent("tensorboard.previous")
            try? fm.removeItem(at: previous)
            try fm.moveItem(at: events, to: previous)
        }
        let writer = try TensorBoardWriter(folder: events)
        if step > 0 { try writer.addSessionStart(step: step + 1) }
        return writer
    }

    /// One training step's scalars.
    static func add(_ m: StepMetrics, learningRate: Double, to writer: TensorBoardWriter) throws {
        try writer.add(scalars: [
            ("loss/total", Float(m.loss)), ("loss/focal", Float(m.focal)), ("loss/dice", Float(m.dice)),
            ("loss/bce", Float(m.bce)), ("loss/ce", Float(m.ce)),
            ("train/learning_rate", Float(learningRate)), ("train/step_seconds", Float(m.seconds)),
            ("train/episodes_per_second", Float(m.episodesPerSecond)), ("train/workers", Float(m.workers)),
        ], step: m.step)
        try writer.flush()
    }

    /// The evaluation's metrics per site at `step` (eval/SITE/METRIC; undefined ones left out)
    /// in their own file of `folder`/tensorboard.
    static func evaluation(_ metrics: [String: SiteMetrics], order: [String], step: Int, folder: URL) throws {
        let writer = try TensorBoardWriter(folder: Self.folder(folder))
        var scalars: [(tag: String, value: Float)] = []
        for site in order {
            guard let m = metrics[site] else { continue }
            for metric in ReportMetric.allCases where m[metric].isFinite {
                scalars.append(("eval/\(site)/\(metric.tag)", Float(m[metric])))
            }
        }
        try writer.add(scalars: scalars, step: step)
        try writer.close()
    }
}

extension ReportMetric {
    /// The metric's TensorBoard tag part: image_auroc, ..., benign_malignant_auroc.
    var tag: String {
        switch self {
        case .imageAUROC: return "image_auroc"
        case .imageAP: return "image_ap"
        case .imageF1: return "image_f1_max"
        case .pixelAUROC: return "pixel_auroc"
        case .pixelAP: return "pixel_ap"
        case .pixelF1: return "pixel_f1_max"
        case .classAUROC: return "class_auroc"
        case .benignMalignantAUROC: return "benign_malignant_auroc"
        }
    }
}

extension SiteMetrics {
    subscript(metric: ReportMetric) -> Double { metric.value(in: self) }
}
