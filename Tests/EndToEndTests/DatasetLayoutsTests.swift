import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Three public layouts as three sites, exactly as they unzip, and a manifest of PNG, JPEG
/// and BMP images: `data check`, then prepare, train and evaluate (its test features on a
/// worker); scores.csv has a row per test image, and no test image shares a patient with a
/// shot. A training site without normal images runs too.
final class DatasetLayoutsTests: ProcessTestCase {
    func testThreeLayoutsAsThreeSites() throws {
        let uclm = try Replica.busUCLM(in: dir.appendingPathComponent("data/uclm").path)
        let bra = try Replica.busBRA(in: dir.appendingPathComponent("data/bra").path)
        let breast = try Replica.breast(in: dir.appendingPathComponent("data/breast").path)
        let manifest = try Replica.manifest(in: dir.appendingPathComponent("data/csv").path)
        let config = dir.appendingPathComponent("cluster.yaml")
        try """
            version: 1
            run: {name: layouts, folder: run, seed: 5}
            backbone: {image_size: 64}
            sites:
              - {name: UCLM, path: data/uclm}
              - {name: BRA, path: data/bra}
              - {name: BrEaST, path: \(breast.path)}
              - {name: CSV, path: data/csv/lists/site.csv}
            train_sites: [UCLM]
            fewshot: {shots: 1, views: [identity], cache: cache}
            model: {adapter_rank: 4}
            train: {steps: 3, queries_per_class: 1, checkpoint_every: 0}
            eval: {overlays: 0}
            """.write(to: config, atomically: true, encoding: .utf8)
        var (status, output) = try runProcess(ultraad, ["data", "check", "--config", config.path, "--json", dir.appendingPathComponent("check.json").path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("site UCLM (bus-uclm"), output)
        XCTAssertTrue(output.contains("site BRA (bus-bra") && output.contains("site BrEaST (breast-lesions-usg"), output)
        XCTAssertTrue(output.contains("images/EFRA_001.png"), "the skipped mask is reported:\n\(output)")
        for step in ["prepare", "train", "evaluate"] {
            // Test features on a worker: it decodes the JPEG and BMP images of site CSV from their bytes.
            (status, output) = try runProcess(ultraad, [step, "--config", config.path] + (step == "prepare" ? ["--threads", "1"] : ["--local-workers", "1"]))
            XCTAssertEqual(status, 0, "\(step):\n\(output)")
        }
        let shots = try String(contentsOf: dir.appendingPathComponent("run/shots.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst(2).map { $0.split(separator: ",").map(String.init) }
        let shotPatients = Set(shots.map { "patient " + $0[2].dropFirst("images/".count).prefix(4) })
        XCTAssertFalse(shotPatients.isEmpty)
        let rows = try String(contentsOf: dir.appendingPathComponent("run/scores.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(rows[0], "site,path,label,group,image_score,p_detect,p_normal,p_benign,p_malignant")
        let cells = rows.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let testUCLM = cells.filter { $0[0] == "UCLM" }
        XCTAssertEqual(testUCLM.count, uclm.images.filter { !shotPatients.contains($0.value.group) }.count,
                       "every UCLM image of a patient without a shot is tested, and only those")
        XCTAssertTrue(testUCLM.allSatisfy { !shotPatients.contains($0[3]) })
        XCTAssertEqual(cells.filter { $0[0] == "BRA" }.count, bra.images.count)
        XCTAssertEqual(cells.filter { $0[0] == "BrEaST" }.count, breast.images.count)
        XCTAssertEqual(Set(cells.filter { $0[0] == "CSV" }.map { $0[1] }), Set(manifest.images.keys), "PNG, JPEG and BMP images")
        for c in cells {
            let p = c[6...].compactMap(Double.init)
            XCTAssertEqual(p.count, 3)
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-4, "class probabilities sum to 1: \(c)")
        }
        let report = try String(contentsOf: dir.appendingPathComponent("run/report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("Site BRA: Image AUROC"), "BUS-BRA has no normal image: image AUROC n/a, with the reason\n\(report)")

        // Training on a site without normal images: shots of benign and malignant only, and
        // the map without the normal-patch memory.
        let noNormal = dir.appendingPathComponent("bra.yaml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "train_sites: [UCLM]", with: "train_sites: [BRA]")
            .replacingOccurrences(of: "folder: run", with: "folder: run-bra").write(to: noNormal, atomically: true, encoding: .utf8)
        for step in ["prepare", "train", "evaluate"] {
            (status, output) = try runProcess(ultraad, [step, "--config", noNormal.path] + (step == "train" ? ["--local-workers", "1"] : ["--threads", "1"]))
            XCTAssertEqual(status, 0, "\(step):\n\(output)")
            if step == "prepare" { XCTAssertTrue(output.contains("note: site BRA has no normal image"), output) }
            if step == "train" { XCTAssertTrue(output.contains("images of benign, malignant only"), output) }
        }
        let braShots = try String(contentsOf: dir.appendingPathComponent("run-bra/shots.csv"), encoding: .utf8)
        XCTAssertFalse(braShots.contains(",normal,"), braShots)
        XCTAssertTrue(braShots.contains(",benign,") && braShots.contains(",malignant,"), braShots)
        let braReport = try String(contentsOf: dir.appendingPathComponent("run-bra/report.md"), encoding: .utf8)
        XCTAssertTrue(braReport.contains("no normal-patch memory"), braReport)
    }
}
