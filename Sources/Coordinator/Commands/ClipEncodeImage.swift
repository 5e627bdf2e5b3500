import ArgumentParser
import Foundation
import Shared

extension Clip {
    struct EncodeImage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encode-image",
            abstract: "Write g, U.{l} and Z0.{l} for images to a safetensors file.",
            discussion: """
            Each image (PNG, JPEG or BMP) is preprocessed like CLIP (shorter side to --size with antialiased bicubic resampling, center crop, CLIP mean/std; gray is replicated to RGB) and encoded. The output holds g [n, d], U.{l} [n, P, D] (block-l patch tokens through ln_post) and Z0.{l} [n, P, d] (U.{l} times the visual projection), layers counted from 1, images in the order given.

            Example: ultraad clip encode-image --weights builtin:tiny --images a.png b.png --layers 3,6 --out f.safetensors
            """)

        @OptionGroup var model: ClipModelOptions
        @Option(parsing: .upToNextOption, help: "Image files: PNG, JPEG or BMP.")
        var images: [String] = []
        @Option(help: "Comma-separated block numbers for U and Z0 (default: the quarter points of the depth).")
        var layers: String?
        @Option(help: "Output safetensors file.")
        var out: String
        @Option(help: "Input side in pixels (default: the checkpoint's image size; other sizes resize the position embeddings).")
        var size: Int?
        @Option(help: "Images per forward pass.")
        var batch: Int = 8

        func validate() throws {
            guard !images.isEmpty else { throw ValidationError("--images needs at least one image") }
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
            if let s = size, s < 1 { throw ValidationError("--size must be positive") }
            if let layers, ClipLayers.parse(layers) == nil {
                throw ValidationError("--layers must be block numbers separated by commas, e.g. 6,12,18,24")
            }
        }

        func run() throws {
            let threads = model.applyThreads()
            let clip = try CLIPModel.load(model.weights, towers: .vision, activation: model.activationKind)
            let encoder = try clip.imageEncoder()
            let depth = encoder.config.layers
            let chosen = layers.flatMap(ClipLayers.parse) ?? FrozenFeatureExtractor.defaultLayers(depth: depth)
            for l in chosen where l < 1 || l > depth {
                throw ClipCommandError(description: "--layers: \(l) is outside 1...\(depth) for this checkpoint")
            }
            let preprocess = CLIPImagePreprocessor(size: size ?? encoder.config.imageSize)
            var g: [Tensor] = [], u: [Int: [Tensor]] = [:], z0: [Int: [Tensor]] = [:]
            var grid = (0, 0)
            for start in stride(from: 0, to: images.count, by: batch) {
                let paths = images[start..<min(start + batch, images.count)]
                var tensors: [Tensor] = []
                for path in paths {
                    let image = try ImageFile.decodeRGB(ImageFile.read(path), name: path)
                    do { tensors.append(try preprocess(image)) } catch {
                        throw ClipCommandError(description: "\(path): \(error)")
                    }
                }
                let pixels = Tensor.stack(tensors)
                let f = try encoder.encode(pixels, layers: chosen, threads: threads)
                grid = (f.gridHeight, f.gridWidth)
                g.append(f.g)
                for l in chosen {
                    u[l, default: []].append(f.u[l] ?? Tensor(zeros: [0]))
                    z0[l, default: []].append(f.z0[l] ?? Tensor(zeros: [0]))
                }
            }
            var writer = SafeTensorsWriter(metadata: [
                "weights": model.weights, "layers": chosen.map(String.init).joined(separator: ","),
                "size": String(preprocess.size), "grid": "\(grid.0)x\(grid.1)",
                "images": images.joined(separator: "\n"), "made_by": "ultraad clip encode-image",
            ])
            try writer.add("g", ClipLayers.concatenate(g))
            for l in chosen {
                try writer.add("U.\(l)", ClipLayers.concatenate(u[l] ?? []))
                try writer.add("Z0.\(l)", ClipLayers.concatenate(z0[l] ?? []))
            }
            try writer.write(to: URL(fileURLWithPath: out))
            print("wrote \(out): g [\(images.count), \(encoder.config.projectionDim)], layers \(chosen), P = \(grid.0 * grid.1)")
        }
    }
}

/// Layer lists and batch concatenation for the CLIP commands.
enum ClipLayers {
    /// "6,12,18,24" -> [6, 12, 18, 24]; nil unless every part is a positive integer.
    static func parse(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return Array(Set(parts.compactMap { $0 })).sorted()
    }

    /// Concatenates along the first dimension: [b1, ...] + [b2, ...] -> [b1 + b2, ...].
    static func concatenate(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0]) }
        let inner = Array(first.shape.dropFirst())
        return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + inner, data: parts.flatMap(\.data))
    }
}
