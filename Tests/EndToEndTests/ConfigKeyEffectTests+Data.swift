import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The data, backbone, model-text and evaluation keys, seen in what `ultraad prepare` and
/// `ultraad evaluate` write: shots.csv, pool.safetensors, metrics.json, the report and the
/// feature cache. Two simulated sites of 3 images per class, `builtin:tiny` at 64 pixels.
extension ConfigKeyEffectTests {
    var dataBaseline: YAML {
        YAML(top: [("version", "1"), ("sites", "[{name: A, path: data/site-A}, {name: B, path: data/site-B}]"),
                   ("train_sites", "[A]")],
             sections: [("run", [("name", "base"), ("seed", "3")]), ("backbone", [("image_size", "64")]),
                        ("fewshot", [("shots", "1"), ("views", "[identity]"), ("cache", "cache")]),
                        ("model", [("adapter_rank", "4")]), ("train", [("queries_per_class", "1")]), ("eval", [("overlays", "0")])])
    }

    struct Prepared {
        let run: URL
        let status: Int32
        let output: String

        var shots: [String] {
            ((try? String(contentsOf: run.appendingPathComponent("shots.csv"), encoding: .utf8)) ?? "")
                .split(separator: "\n").dropFirst(2).map(String.init)   // after the version line and the header
        }
        func pool() throws -> SafeTensorsReader { try SafeTensorsReader(contentsOf: run.appendingPathComponent("pool.safetensors")) }
        func tensor(_ name: String) throws -> [Float] { try pool().tensor(name).data }
        func metrics() throws -> MetricsFile { try MetricsFile.read(run.appendingPathComponent("metrics.json")) }
        /// The backbone digest the feature step names.
        var backbone: String? {
            output.components(separatedBy: "(backbone ").dropFirst().first.map { String($0.prefix(16)) }
        }
    }

    /// `prepare` (and then `evaluate`, unless `evaluate` is false) of `config` with the run
    /// folder NAME; `evaluateOnly` skips the preparation (the folder must hold a pool).
    func prepare(_ name: String, _ config: YAML, evaluate: Bool = true, evaluateOnly: Bool = false) throws -> Prepared {
        let run = dir.appendingPathComponent(name)
        let url = try write(name, config.setting("run.folder", run.path))
        var (status, output) = (Int32(0), "")
        if !evaluateOnly { (status, output) = try runProcess(ultraad, ["prepare", "--config", url.path, "--threads", "1"]) }
        if status == 0 && (evaluate || evaluateOnly) {
            let (s, o) = try runProcess(ultraad, ["evaluate", "--config", url.path, "--threads", "1"])
            status = s
            output += o
        }
        return Prepared(run: run, status: status, output: output)
    }

    func copy(_ from: String, _ to: String) throws {
        try FileManager.default.copyItem(at: dir.appendingPathComponent(from), to: dir.appendingPathComponent(to))
    }

    func testDataModelAndEvaluationKeys() throws {
        let (s, o) = try runProcess(ultraad, ["simulate", "--out", dir.appendingPathComponent("data").path,
                                              "--sites", "2", "--per-class", "3", "--size", "64", "--seed", "3"])
        XCTAssertEqual(s, 0, o)
        let base = try prepare("base", dataBaseline)
        XCTAssertEqual(base.status, 0, base.output)
        XCTAssertEqual(base.shots.count, 3)
        XCTAssertTrue(base.shots.allSatisfy { $0.hasPrefix("A,") }, "\(base.shots)")
        XCTAssertEqual(try base.metrics().sites, ["A", "B"])
        let t0 = try base.tensor("text.T0"), pt = try base.tensor("text.Pt")

        // Names, counts, views, pictures, the title and the cache folder, each its own.
        let counts = dataBaseline.setting("sites", "[{name: A, path: data/site-A}, {name: C, path: data/site-B}]")
            .setting("fewshot.shots", "2").setting("fewshot.views", "[identity, hflip]").setting("eval.overlays", "6")
            .setting("run.name", "other").setting("fewshot.cache", "cache2")
        let c = try prepare("counts", counts)
        XCTAssertEqual(c.status, 0, c.output)
        XCTAssertEqual(try c.metrics().sites, ["A", "C"], "sites[].name")
        XCTAssertEqual(c.shots.count, 6, "fewshot.shots")
        XCTAssertEqual(try c.pool().int32Tensor("image.views").values, [Int32](repeating: 2, count: 6), "fewshot.views")
        func overlays(_ p: Prepared) -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: p.run.appendingPathComponent("overlays").path)) ?? []
        }
        XCTAssertFalse(overlays(c).isEmpty, "eval.overlays")
        XCTAssertTrue(overlays(base).isEmpty)
        XCTAssertEqual(try c.metrics().title, "UltraAD evaluation: other", "run.name")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("cache2").path).filter { !$0.hasSuffix(".tsv") && !$0.hasSuffix(".json") }.count, 1, "fewshot.cache")

        let sites = try prepare("sites", dataBaseline.setting("train_sites", "[B]").setting("test_sites", "[B]"))
        XCTAssertEqual(sites.status, 0, sites.output)
        XCTAssertTrue(sites.shots.allSatisfy { $0.hasPrefix("B,") }, "train_sites: \(sites.shots)")
        XCTAssertEqual(try sites.metrics().sites, ["B"], "test_sites")

        let path = try prepare("path", dataBaseline.setting("sites", "[{name: A, path: data/site-B}, {name: B, path: data/site-A}]"), evaluate: false)
        XCTAssertEqual(path.status, 0, path.output)
        XCTAssertNotEqual(path.shots.map { $0.suffix(16) }, base.shots.map { $0.suffix(16) }, "sites[].path: other images")

        let seed = try prepare("seed", dataBaseline.setting("run.seed", "4"), evaluate: false)
        XCTAssertEqual(seed.status, 0, seed.output)
        XCTAssertNotEqual(seed.shots, base.shots, "run.seed draws other shots")
        let reused = try prepare("reused", dataBaseline.setting("fewshot.shots_file", seed.run.appendingPathComponent("shots.csv").path), evaluate: false)
        XCTAssertEqual(reused.status, 0, reused.output)
        XCTAssertEqual(reused.shots, seed.shots, "fewshot.shots_file")

        // skip_bad: an unreadable image stops the command, or is skipped and counted.
        try copy("data/site-A", "data/bad-A")
        try Data("not a png".utf8).write(to: dir.appendingPathComponent("data/bad-A/benign/benign (99).png"))
        let bad = dataBaseline.setting("sites", "[{name: A, path: data/bad-A}, {name: B, path: data/site-B}]")
        let stopped = try prepare("stopped", bad, evaluate: false)
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.output.contains("benign (99).png"), stopped.output)
        let skipped = try prepare("skipped", bad.setting("data.skip_bad", "true"), evaluate: false)
        XCTAssertEqual(skipped.status, 0, skipped.output)
        XCTAssertTrue(skipped.output.contains("warning: skipped") && skipped.output.contains("benign (99).png"), skipped.output)

        // mask_threshold: masks at half intensity are lesion at 0.5, background at 0.6.
        try copy("data/site-A", "data/gray-A")
        for folder in ["benign", "malignant"] {
            let root = dir.appendingPathComponent("data/gray-A/\(folder)")
            for name in try FileManager.default.contentsOfDirectory(atPath: root.path) where name.hasSuffix("_mask.png") {
                let m = try PNGImage.readMask(root.appendingPathComponent(name).path)
                try PNGImage.writeGray8(root.appendingPathComponent(name).path, width: m.width, height: m.height,
                                        values: m.values.map { $0 * 0.5 })
            }
        }
        let gray = dataBaseline.setting("sites", "[{name: A, path: data/gray-A}, {name: B, path: data/site-B}]")
        func lesionPixels(_ p: Prepared) throws -> Float {
            try (0..<3).map { try p.tensor("view.\($0).mask").reduce(0, +) }.reduce(0, +)
        }
        let half = try prepare("half", gray, evaluate: false), high = try prepare("high", gray.setting("data.mask_threshold", "0.6"), evaluate: false)
        XCTAssertEqual(half.status, 0, half.output)
        XCTAssertEqual(high.status, 0, high.output)
        XCTAssertGreaterThan(try lesionPixels(half), 0)
        XCTAssertEqual(try lesionPixels(high), 0, "data.mask_threshold")

        // format: a manifest that does not end in .csv is read as one only when told.
        let images = dir.appendingPathComponent("data/site-A")
        var manifest = "image,mask,label\n"
        for label in ["normal", "benign", "malignant"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: images.appendingPathComponent(label).path).sorted()
            where !name.contains("_mask") {
                manifest += "site-A/\(label)/\(name),site-A/\(label)/\(name.replacingOccurrences(of: ".png", with: "_mask.png")),\(label)\n"
            }
        }
        try manifest.write(to: dir.appendingPathComponent("data/list.txt"), atomically: true, encoding: .utf8)
        let listed = dataBaseline.setting("sites", "[{name: A, path: data/list.txt, format: csv}, {name: B, path: data/site-B}]")
        let csv = try prepare("csv", listed, evaluate: false)
        XCTAssertEqual(csv.status, 0, csv.output)
        XCTAssertEqual(csv.shots.map { $0.suffix(16) }, base.shots.map { $0.suffix(16) }, "the same images, read from the manifest")
        let auto = try prepare("auto", dataBaseline.setting("sites", "[{name: A, path: data/list.txt}, {name: B, path: data/site-B}]"), evaluate: false)
        XCTAssertNotEqual(auto.status, 0, "format auto reads data/list.txt as a BUSI folder:\n\(auto.output)")

        // merge_duplicates: every benign image of site A has a copy under another name; the
        // drawn benign shot brings its copy into the support set, unless duplicates stay apart.
        try copy("data/site-A", "data/dup-A")
        let benign = dir.appendingPathComponent("data/dup-A/benign")
        for name in try FileManager.default.contentsOfDirectory(atPath: benign.path) {
            let copyName = name.replacingOccurrences(of: "benign (", with: "benign (10")
            try FileManager.default.copyItem(at: benign.appendingPathComponent(name), to: benign.appendingPathComponent(copyName))
        }
        let dup = dataBaseline.setting("sites", "[{name: A, path: data/dup-A}, {name: B, path: data/site-B}]")
        let together = try prepare("together", dup, evaluate: false), apart = try prepare("apart", dup.setting("data.merge_duplicates", "false"), evaluate: false)
        XCTAssertEqual(together.status, 0, together.output)
        XCTAssertEqual(apart.status, 0, apart.output)
        XCTAssertEqual(together.shots.filter { $0.hasPrefix("A,benign,") }.count, 2, "data.merge_duplicates: \(together.shots)")
        XCTAssertEqual(apart.shots.filter { $0.hasPrefix("A,benign,") }.count, 1, "\(apart.shots)")

        // table: BUS-UCLM's INFO.csv replaced by another table that calls one benign image malignant.
        let uclm = try Replica.busUCLM(in: dir.appendingPathComponent("data/uclm").path)
        let info = try String(contentsOfFile: uclm.folder + "/INFO.csv", encoding: .utf8)
        try info.replacingOccurrences(of: "ALWI_001.png;56x40;Benign", with: "ALWI_001.png;56x40;Malignant")
            .write(toFile: dir.appendingPathComponent("data/relabelled.csv").path, atomically: true, encoding: .utf8)
        func checked(_ name: String, _ site: String) throws -> [String: Any] {
            let url = try write(name, dataBaseline.setting("sites", "[\(site), {name: B, path: data/site-B}]"))
            let json = dir.appendingPathComponent(name + ".json")
            let (status, output) = try runProcess(ultraad, ["data", "check", "--config", url.path, "--json", json.path])
            XCTAssertEqual(status, 0, output)
            let top = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
            return try XCTUnwrap((top?["sites"] as? [[String: Any]])?.first?["classes"] as? [String: Any])
        }
        let own = try checked("own-table", "{name: A, path: data/uclm}")
        let named = try checked("named-table", "{name: A, path: data/uclm, table: data/relabelled.csv}")
        XCTAssertEqual(own["malignant"] as? Int, uclm.count(.malignant))
        XCTAssertEqual(named["malignant"] as? Int, uclm.count(.malignant) + 1, "sites[].table")

        // The backbone: input size, layers, weights, vocabulary, merges.
        let size = try prepare("size", dataBaseline.setting("backbone.image_size", "96"), evaluate: false)
        XCTAssertEqual(size.status, 0, size.output)
        XCTAssertNotEqual(size.backbone, base.backbone)
        XCTAssertEqual(try size.pool().tensor("view.0.g").shape, try base.pool().tensor("view.0.g").shape)
        XCTAssertEqual(try size.pool().tensor("view.0.Z0.6").shape[0], 36, "6 x 6 patches at 96 pixels")
        XCTAssertEqual(try base.pool().tensor("view.0.Z0.6").shape[0], 16)
        // preprocess: the simulator's images are square, so squash and crop see the same
        // picture; the features' identity (the cache's folder) still says which.
        let cropped = try prepare("cropped", dataBaseline.setting("backbone.preprocess", "crop"), evaluate: false)
        XCTAssertEqual(cropped.status, 0, cropped.output)
        XCTAssertNotEqual(cropped.backbone, base.backbone, "backbone.preprocess")
        XCTAssertEqual(try cropped.pool().tensor("view.0.g").data, try base.pool().tensor("view.0.g").data, "the same square picture")
        // feature_dtype: U and Z0 stored as float16 (F16 in the pool, each value float32's
        // rounded to the nearest half), g as it was; the features' identity says which.
        let halves = try prepare("halves", dataBaseline.setting("fewshot.feature_dtype", "float16"), evaluate: false)
        XCTAssertEqual(halves.status, 0, halves.output)
        XCTAssertNotEqual(halves.backbone, base.backbone, "fewshot.feature_dtype")
        XCTAssertEqual(try halves.pool().entry("view.0.U.6").dtype, SafeTensorsDType.f16)
        XCTAssertEqual(try halves.pool().entry("view.0.Z0.6").dtype, SafeTensorsDType.f16)
        XCTAssertEqual(try halves.pool().tensor("view.0.U.6").data, try base.pool().tensor("view.0.U.6").data.map { Float(Float16($0)) })
        XCTAssertEqual(try halves.pool().tensor("view.0.g").data, try base.pool().tensor("view.0.g").data, "g stays float32")
        let layers = try prepare("layers", dataBaseline.setting("backbone.layers", "[2, 4]"), evaluate: false)
        XCTAssertEqual(layers.status, 0, layers.output)
        XCTAssertEqual(try layers.pool().metadata["layers"], "2,4")
        XCTAssertEqual(try base.pool().metadata["layers"], "1,3,4,6")

        let byteLevel = BPEVocabulary.byteLevel().encoder
        func vocabulary(_ name: String, swapping a: String? = nil, _ b: String? = nil) throws -> URL {
            var ids = byteLevel
            if let a, let b { (ids[a], ids[b]) = (ids[b], ids[a]) }
            let url = dir.appendingPathComponent(name)
            try JSONSerialization.data(withJSONObject: ids).write(to: url)
            return url
        }
        let merges = dir.appendingPathComponent("merges.txt")
        try "#version: 0.2\n".write(to: merges, atomically: true, encoding: .utf8)
        let weights = Fixtures.url("clip/hf.safetensors").path
        let file = dataBaseline.setting("backbone.weights", weights).setting("backbone.merges", merges.path)
        let plain = try prepare("plain", file.setting("backbone.vocab", try vocabulary("plain.json").path), evaluate: false)
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertNotEqual(plain.backbone, base.backbone, "backbone.weights")
        XCTAssertNotEqual(try plain.tensor("view.0.g"), try base.tensor("view.0.g"))
        let swapped = try prepare("swapped", file.setting("backbone.vocab", try vocabulary("swapped.json", swapping: "a</w>", "e</w>").path), evaluate: false)
        XCTAssertEqual(swapped.status, 0, swapped.output)
        XCTAssertNotEqual(try swapped.tensor("text.T0"), try plain.tensor("text.T0"), "backbone.vocab: other ids, other prompt embeddings")
        let oneMerge = dir.appendingPathComponent("one-merge.txt")
        try "#version: 0.2\nt h\n".write(to: oneMerge, atomically: true, encoding: .utf8)
        let merged = try prepare("merged", file.setting("backbone.vocab", try vocabulary("plain2.json").path).setting("backbone.merges", oneMerge.path), evaluate: false)
        XCTAssertNotEqual(merged.status, 0)
        XCTAssertTrue(merged.output.contains("the vocabulary has no token \"th\""), "backbone.merges is read:\n\(merged.output)")

        // The model's classes and text ensembles.
        let two = try prepare("two", dataBaseline.setting("model.classes", "[normal, benign]"), evaluate: false)
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(try two.pool().tensor("text.Pt").shape[0], 2)
        XCTAssertEqual(two.shots.count, 2)
        XCTAssertFalse(two.shots.contains { $0.contains("malignant") })
        for (key, value, changesT0) in [("model.prompt_templates", "[\"a {} scan\"]", true), ("model.normal_states", "[fine]", true),
                                        ("model.abnormal_states", "[bad]", true),
                                        ("model.class_descriptions", "{normal: [plain], benign: [round], malignant: [spiky]}", false)] {
            let p = try prepare(key, dataBaseline.setting(key, value), evaluate: false)
            XCTAssertEqual(p.status, 0, p.output)
            XCTAssertEqual(try p.tensor("text.T0") != t0, changesT0, key)
            XCTAssertEqual(try p.tensor("text.Pt") != pt, !changesT0, key)
        }
        let d = t0.count / 2   // T0 is [2, d]: row 0 normal, row 1 abnormal
        let normal = try prepare("normal-row", dataBaseline.setting("model.normal_states", "[fine]"), evaluate: false)
        XCTAssertEqual(Array(try normal.tensor("text.T0")[d...]), Array(t0[d...]), "the abnormal row stays")

        // Evaluation: the memory map and the smoothing change the metrics of the same pool.
        let reference = try base.metrics().metrics
        for (key, value) in [("eval.few_shot_memory", "false"), ("eval.smoothing_sigma", "0")] {
            try copy("base", key)
            let e = try prepare(key, dataBaseline.setting(key, value), evaluateOnly: true)
            XCTAssertEqual(e.status, 0, e.output)
            XCTAssertNotEqual(try e.metrics().metrics["A"]?.pixelAUROC, reference["A"]?.pixelAUROC, key)
        }
    }
}
