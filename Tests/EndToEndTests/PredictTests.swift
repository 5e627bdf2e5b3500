import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// After training: `export` writes the model file, `predict` applies it to images. Its
/// scores are evaluate's (RUN/scores.csv) bit for bit, from the run's feature cache and
/// from features computed afresh; unreadable images are skipped and named; an interrupted
/// predict continues; other CLIP weights are refused. The run stores its features as float16,
/// so predict must round the features it computes as training did (float32 takes the same
/// path less the rounding).
final class PredictTests: ProcessTestCase {
    func testExportThenPredictEqualsEvaluateAndSurvivesBadImages() throws {
        var (status, output) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                                        "--sites", "2", "--per-class", "4", "--size", "64", "--seed", "3"])
        XCTAssertEqual(status, 0, output)
        let config = dir.appendingPathComponent("cluster.yaml")
        try """
            version: 1
            run: {name: p, folder: run, seed: 3}
            backbone: {image_size: 64, preprocess: crop}
            sites: [{name: A, path: data/site-A}, {name: B, path: data/site-B}]
            train_sites: [A]
            fewshot: {shots: 1, views: [identity, hflip], cache: cache, feature_dtype: float16}
            model: {adapter_rank: 4}
            train: {steps: 4, queries_per_class: 1, checkpoint_every: 0}
            eval: {overlays: 0}
            """.write(to: config, atomically: true, encoding: .utf8)
        (status, output) = try runProcess(ultraad, ["run", "--config", config.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        let model = dir.appendingPathComponent("model.safetensors")
        (status, output) = try runProcess(ultraad, ["export", "--config", config.path, "--out", model.path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("exported step 4 of p") && output.contains("normal-patch memory"), output)

        // Every site-B image, listed in a manifest beside the data.
        let scores = try String(contentsOf: dir.appendingPathComponent("run/scores.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let siteB = scores.filter { $0[0] == "B" }
        XCTAssertEqual(siteB.count, 12)
        try ("image\n" + siteB.map { "site-B/\($0[1])\n" }.joined()).write(to: dir.appendingPathComponent("data/b.csv"), atomically: true, encoding: .utf8)
        func predictions(_ out: String) throws -> [String: [String]] {
            let rows = try String(contentsOf: dir.appendingPathComponent(out + "/predictions.csv"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(rows.first, "path,image_score,p_detect,p_normal,p_benign,p_malignant,predicted,flagged")
            return Dictionary(uniqueKeysWithValues: rows.dropFirst().map { line in
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return (f[0], f)
            })
        }
        for (out, cache) in [("shared", ["--cache", dir.appendingPathComponent("cache").path]), ("fresh", [])] {
            (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny",
                                                        "--manifest", dir.appendingPathComponent("data/b.csv").path,
                                                        "--out", dir.appendingPathComponent(out).path, "--threshold", "0.5"] + cache)
            XCTAssertEqual(status, 0, output)
            let p = try predictions(out)
            XCTAssertEqual(p.count, 12)
            for row in siteB {
                let got = try XCTUnwrap(p[dir.appendingPathComponent("data/site-B/\(row[1])").path], row[1])
                XCTAssertEqual(Array(got[1...5]), Array(row[4...8]), "\(out): \(row[1]) scores as evaluate's, bit for bit")
                XCTAssertEqual(got[7], Double(got[1])! >= 0.5 ? "true" : "false")
                let probabilities = got[3...5].map { Double($0)! }
                XCTAssertEqual(got[6], ["normal", "benign", "malignant"][probabilities.firstIndex(of: probabilities.max()!)!])
            }
        }

        // Through two local workers (with the threads the in-process run had): the same rows.
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny",
                                                    "--manifest", dir.appendingPathComponent("data/b.csv").path,
                                                    "--out", dir.appendingPathComponent("workers").path, "--threshold", "0.5",
                                                    "--local-workers", "2", "--worker-threads", "\(ProcessInfo.processInfo.activeProcessorCount)"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("features: 0 from the cache, 12 to compute"), output)
        XCTAssertEqual(try predictions("workers"), try predictions("fresh"), "workers give the in-process bits")
        let pictures = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("workers/overlays").path)
        XCTAssertEqual(pictures.count, 12)
        let picture = try ImageFile.decode(try ImageFile.read(dir.appendingPathComponent("workers/overlays/" + pictures[0]).path), name: pictures[0])
        XCTAssertGreaterThan(picture.width, 3 * 64, "image, map and overlay side by side, and the colour bar")

        // A folder with a good PNG, a 16-bit PNG, a JPEG and a corrupt file: three rows, the bad one named.
        let mixed = dir.appendingPathComponent("mixed")
        try FileManager.default.createDirectory(at: mixed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("data/site-B/benign/benign (1).png"), to: mixed.appendingPathComponent("a.png"))
        try FileManager.default.copyItem(at: Fixtures.url("png/gray16.png"), to: mixed.appendingPathComponent("b.png"))
        let gray = try ImageFile.decodeRGB(try ImageFile.read(mixed.appendingPathComponent("a.png").path), name: "a.png")
        try Data(try JPEGImage.encodeRGB8(width: gray.width, height: gray.height, pixels: gray.pixels, quality: 90))
            .write(to: mixed.appendingPathComponent("c.jpg"))
        try Data("not an image".utf8).write(to: mixed.appendingPathComponent("d.png"))
        // A wide image: CLIP's centre crop leaves its sides unseen.
        let wideWidth = gray.width * 3 / 2
        var wide = [Float](repeating: 0.3, count: 3 * wideWidth * gray.height)
        for c in 0..<3 { for y in 0..<gray.height { for x in 0..<gray.width {
            wide[(c * gray.height + y) * wideWidth + x + gray.width / 4] = gray.pixels[(c * gray.height + y) * gray.width + x]
        } } }
        try Data(try PNGImage.encodeRGB8(width: wideWidth, height: gray.height, pixels: wide)).write(to: mixed.appendingPathComponent("e.png"))
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny",
                                                    "--folder", mixed.path, "--out", dir.appendingPathComponent("mixed-out").path])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(Set(try predictions("mixed-out").keys), Set(["a.png", "b.png", "c.jpg", "e.png"].map { mixed.appendingPathComponent($0).path }))
        // Each map is a 16-bit PNG at its image's own size; outside the crop it is 0 (not evaluated).
        let maps = dir.appendingPathComponent("mixed-out/maps")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: maps.path).count, 4)
        let wideMap = try ImageFile.decode(try ImageFile.read(maps.appendingPathComponent("e-\(fnv1aDigest(Array(mixed.appendingPathComponent("e.png").path.utf8)).prefix(8)).png").path), name: "e map")
        XCTAssertEqual([wideMap.width, wideMap.height, wideMap.channels], [wideWidth, gray.height, 1])
        let side = (wideWidth - gray.height) / 2
        for y in 0..<gray.height {
            XCTAssertEqual(wideMap.samples[y * wideWidth], 0, "left of the crop")
            XCTAssertEqual(wideMap.samples[y * wideWidth + wideWidth - 1], 0, "right of the crop")
            XCTAssertGreaterThan(wideMap.samples[y * wideWidth + side + gray.height / 2], 0, "inside the crop")
        }
        XCTAssertTrue(output.contains("skipped 1 image(s)") && output.contains("d.png"), output)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("mixed-out/predictions.json"))) as? [String: Any]
        XCTAssertEqual((summary?["skipped"] as? [[String: Any]])?.compactMap { $0["path"] as? String }, [mixed.appendingPathComponent("d.png").path])
        XCTAssertEqual(summary?["predicted"] as? Int, 4)

        // Interrupted and run again: the rows already there stay, the rest is added.
        let two = ["a.png", "b.png"].map { mixed.appendingPathComponent($0).path }
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny", "--images"] + two
                                          + ["--out", dir.appendingPathComponent("resumed").path])
        XCTAssertEqual(status, 0, output)
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny", "--images"] + two
                                          + [mixed.appendingPathComponent("c.jpg").path, "--out", dir.appendingPathComponent("resumed").path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("2 image(s) already in"), output)
        XCTAssertEqual(try predictions("resumed"), try predictions("mixed-out").filter { !$0.key.hasSuffix("e.png") },
                       "the same rows as one whole run")

        // Raw maps: float32 at the image's size, NaN outside the crop; a continued predict adds
        // the maps of the images an earlier run scored without them.
        let wideImage = mixed.appendingPathComponent("e.png").path
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny", "--images", two[0],
                                                    "--out", dir.appendingPathComponent("raw").path])
        XCTAssertEqual(status, 0, output)
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", "builtin:tiny", "--images", two[0], wideImage,
                                                    "--out", dir.appendingPathComponent("raw").path, "--raw-maps"])
        XCTAssertEqual(status, 0, output)
        let raw = try SafeTensorsReader(contentsOf: dir.appendingPathComponent("raw/maps.safetensors"))
        XCTAssertEqual(raw.names.sorted(), [two[0], wideImage].sorted())
        let rawWide = try raw.tensor(wideImage)
        XCTAssertEqual(rawWide.shape, [gray.height, wideWidth])
        XCTAssertTrue(rawWide.data[0].isNaN && !rawWide.data[side + gray.height / 2].isNaN)
        for (v, stored) in zip(rawWide.data, wideMap.samples) where !v.isNaN {
            XCTAssertEqual(v, stored, accuracy: 0.6 / 65535, "the 16-bit PNG is the raw map rounded")
        }

        // The memory as float16: a smaller file, scores within a rounding of float32's.
        let half = dir.appendingPathComponent("half.safetensors")
        (status, output) = try runProcess(ultraad, ["export", "--config", config.path, "--out", half.path, "--memory-float16"])
        XCTAssertEqual(status, 0, output)
        let size = { (u: URL) in (try FileManager.default.attributesOfItem(atPath: u.path)[.size] as? Int) ?? 0 }
        XCTAssertLessThan(try size(half), try size(model), "the memory in half the bytes")
        (status, output) = try runProcess(ultraad, ["predict", "--model", half.path, "--weights", "builtin:tiny", "--images"] + two
                                          + ["--out", dir.appendingPathComponent("half-out").path])
        XCTAssertEqual(status, 0, output)
        let full = try predictions("mixed-out")
        for (path, row) in try predictions("half-out") {
            let f = try XCTUnwrap(full[path])
            for k in 1...5 { XCTAssertEqual(Double(row[k])!, Double(f[k])!, accuracy: 2e-3, "\(path) column \(k)") }
        }

        // Another model's rows are never continued.
        let retrained = dir.appendingPathComponent("retrained.yaml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "steps: 4", with: "steps: 5")
            .write(to: retrained, atomically: true, encoding: .utf8)
        (status, output) = try runProcess(ultraad, ["train", "--config", retrained.path, "--local-workers", "1", "--resume"])
        XCTAssertEqual(status, 0, output)
        let newer = dir.appendingPathComponent("newer.safetensors")
        (status, output) = try runProcess(ultraad, ["export", "--config", retrained.path, "--out", newer.path])
        XCTAssertEqual(status, 0, output)
        (status, output) = try runProcess(ultraad, ["predict", "--model", newer.path, "--weights", "builtin:tiny", "--images"] + two
                                          + ["--out", dir.appendingPathComponent("resumed").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("holds the predictions of another model"), output)

        // Other CLIP weights than the model's are refused, naming both.
        (status, output) = try runProcess(ultraad, ["predict", "--model", model.path, "--weights", Fixtures.url("clip/hf.safetensors").path,
                                                    "--images", two[0], "--out", dir.appendingPathComponent("other").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("not the ones the model was trained with") && output.contains("builtin:tiny"), output)
        // Squash (the default): predict equals evaluate too, and a wide image's map covers it all.
        let squash = dir.appendingPathComponent("squash.yaml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: ", preprocess: crop", with: "")
            .replacingOccurrences(of: "folder: run,", with: "folder: run-squash,").write(to: squash, atomically: true, encoding: .utf8)
        (status, output) = try runProcess(ultraad, ["run", "--config", squash.path, "--local-workers", "1"])
        XCTAssertEqual(status, 0, output)
        let squashModel = dir.appendingPathComponent("squash.safetensors")
        (status, output) = try runProcess(ultraad, ["export", "--config", squash.path, "--out", squashModel.path])
        XCTAssertEqual(status, 0, output)
        (status, output) = try runProcess(ultraad, ["predict", "--model", squashModel.path, "--weights", "builtin:tiny",
                                                    "--manifest", dir.appendingPathComponent("data/b.csv").path, "--images", wideImage,
                                                    "--out", dir.appendingPathComponent("squash-out").path])
        XCTAssertNotEqual(status, 0, "one source of images at a time")
        (status, output) = try runProcess(ultraad, ["predict", "--model", squashModel.path, "--weights", "builtin:tiny",
                                                    "--manifest", dir.appendingPathComponent("data/b.csv").path,
                                                    "--out", dir.appendingPathComponent("squash-out").path])
        XCTAssertEqual(status, 0, output)
        let squashScores = try String(contentsOf: dir.appendingPathComponent("run-squash/scores.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0[0] == "B" }
        let squashRows = try predictions("squash-out")
        for row in squashScores {
            let got = try XCTUnwrap(squashRows[dir.appendingPathComponent("data/site-B/\(row[1])").path], row[1])
            XCTAssertEqual(Array(got[1...5]), Array(row[4...8]), "squash: \(row[1]) scores as evaluate's")
        }
        (status, output) = try runProcess(ultraad, ["predict", "--model", squashModel.path, "--weights", "builtin:tiny",
                                                    "--images", wideImage, "--out", dir.appendingPathComponent("squash-wide").path])
        XCTAssertEqual(status, 0, output)
        let squashed = try ImageFile.decode(try ImageFile.read(dir.appendingPathComponent("squash-wide/maps/e-\(fnv1aDigest(Array(wideImage.utf8)).prefix(8)).png").path), name: "squashed e map")
        XCTAssertEqual([squashed.width, squashed.height], [wideWidth, gray.height])
        XCTAssertFalse(squashed.samples.contains(0), "squash looks at every pixel: nothing left unevaluated")

        // A damaged model file is refused naming it.
        var bytes = try Data(contentsOf: model)
        bytes[bytes.count - 5] ^= 1
        let damaged = dir.appendingPathComponent("damaged.safetensors")
        try bytes.write(to: damaged)
        (status, output) = try runProcess(ultraad, ["predict", "--model", damaged.path, "--weights", "builtin:tiny",
                                                    "--images", two[0], "--out", dir.appendingPathComponent("damaged-out").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains(damaged.path) && output.contains("damaged"), output)
    }
}
