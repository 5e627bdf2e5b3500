import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// Loading errors: not a CLIP, a ResNet CLIP, missing tensors, wrong shapes, heads.
final class CLIPCheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The open_clip fixture's tensors, edited by `edit`, written to a new file.
    func edited(_ name: String = "edited.safetensors", metadata: [String: String]? = nil,
                _ edit: (inout [String: Tensor]) -> Void) throws -> String {
        let reader = try SafeTensorsReader(contentsOf: Fixtures.url("clip/openclip.safetensors"))
        var tensors: [String: Tensor] = [:]
        for n in reader.names { tensors[n] = try reader.tensor(n) }
        edit(&tensors)
        var writer = SafeTensorsWriter(metadata: metadata ?? reader.metadata)
        for (n, t) in tensors { try writer.add(n, t) }
        let url = directory.appendingPathComponent(name)
        try writer.write(to: url)
        return url.path
    }

    func loadError(_ path: String, towers: CLIPTowers = .both) -> CLIPLoadError? {
        do {
            _ = try CLIPModel.load(path, towers: towers)
            return nil
        } catch {
            return error
        }
    }

    func testResNetCLIPIsRejectedAsNotViT() throws {
        let path = try edited { t in t["visual.layer1.0.conv1.weight"] = Tensor(zeros: [4, 4, 1, 1]) }
        guard case .notViT(let file, let evidence)? = loadError(path) else { return XCTFail("\(String(describing: loadError(path)))") }
        XCTAssertEqual(file, path)
        XCTAssertEqual(evidence, "visual.layer1.0.conv1.weight")
    }

    func testNotCLIPListsExpectedNames() throws {
        let path = try edited { t in t = ["model.weight": Tensor(zeros: [2])] }
        let error = try XCTUnwrap(loadError(path))
        guard case .notCLIP = error else { return XCTFail("\(error)") }
        XCTAssertTrue(error.description.contains("visual.class_embedding") && error.description.contains("model.weight"), error.description)
    }

    func testMissingTensorsAreAllListed() throws {
        let path = try edited { t in
            t["visual.ln_post.bias"] = nil
            t["visual.transformer.resblocks.1.mlp.c_fc.weight"] = nil
            t["visual.transformer.resblocks.1.attn.in_proj_bias"] = nil
        }
        guard case .missingTensors(_, let tower, let missing)? = loadError(path) else {
            return XCTFail("\(String(describing: loadError(path)))")
        }
        XCTAssertEqual(tower, "image")
        XCTAssertEqual(Set(missing), ["visual.ln_post.bias", "visual.transformer.resblocks.1.mlp.c_fc.weight",
                                      "visual.transformer.resblocks.1.attn.in_proj_bias"])
        // The text tower alone still loads.
        XCTAssertNil(loadError(path, towers: .text))
    }

    func testWrongShapeNamesTheTensor() throws {
        let path = try edited { t in t["visual.transformer.resblocks.2.attn.out_proj.weight"] = Tensor(zeros: [64, 32]) }
        XCTAssertEqual(loadError(path), .wrongShape(file: path, tensor: "visual.transformer.resblocks.2.attn.out_proj.weight",
                                                    expected: [64, 64], actual: [64, 32]))
    }

    func testHeadsNeedMetadataWhenWidthIsNotAMultipleOf64() throws {
        // Without vision_heads the 64-wide tower gets 1 head; a 48-wide one has no rule.
        let noMeta = try edited("nometa.safetensors", metadata: [:]) { _ in }
        XCTAssertEqual(try CLIPModel.load(noMeta).vision?.config.heads, 1)
        let bad = try edited("badmeta.safetensors", metadata: ["vision_heads": "5"]) { _ in }
        guard case .invalidMetadata(_, let key, _, _)? = loadError(bad) else { return XCTFail() }
        XCTAssertEqual(key, "vision_heads")
        let narrow = try edited("narrow.safetensors", metadata: [:]) { t in t["visual.class_embedding"] = Tensor(zeros: [48]) }
        // A class embedding of 48 alone does not make a 48-wide tower: the patch embedding disagrees.
        XCTAssertEqual(loadError(narrow), .invalidArchitecture(file: narrow, tensor: "visual.conv1.weight",
                                                               reason: "shape [64, 3, 8, 8] is not [48, 3, p, p]"))
        let narrowTower = try edited("narrowtower.safetensors", metadata: [:]) { t in
            t["visual.class_embedding"] = Tensor(zeros: [48])
            t["visual.conv1.weight"] = Tensor(zeros: [48, 3, 8, 8])
            t["visual.positional_embedding"] = Tensor(zeros: [17, 48])
            t["visual.transformer.resblocks.0.mlp.c_fc.weight"] = Tensor(zeros: [256, 48])
            t["visual.proj"] = Tensor(zeros: [48, 32])
        }
        XCTAssertEqual(loadError(narrowTower), .unknownHeadCount(file: narrowTower, tower: "image", width: 48,
                                                                 metadataKey: "vision_heads"))
    }

    func testGeluFromMetadata() throws {
        let path = try edited(metadata: ["vision_heads": "2", "activation": "gelu"]) { _ in }
        XCTAssertEqual(try CLIPModel.load(path).vision?.config.activation, .gelu)
        let bad = try edited("act.safetensors", metadata: ["activation": "relu"]) { _ in }
        guard case .invalidMetadata(_, "activation", "relu", _)? = loadError(bad) else { return XCTFail() }
    }

    func testUnknownBuiltinAndMissingFile() {
        XCTAssertEqual(loadError("builtin:huge"), .unknownBuiltin(name: "huge", known: ["tiny"]))
        guard case .safetensors(.unreadable)? = loadError(directory.appendingPathComponent("none.safetensors").path) else {
            return XCTFail()
        }
    }
}
