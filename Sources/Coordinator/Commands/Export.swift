import ArgumentParser
import Foundation
import Shared

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a trained model as one file that `ultraad predict` applies to new images.",
        discussion: """
        The file (docs/FORMATS.md, "Model files") holds everything inference needs besides the CLIP weights: the trained parameters of the run's latest checkpoint (or --checkpoint), the head's configuration, the frozen bank (T0, Pt, Ft, Lt), the normal-patch memory, the class names, the backbone's digest, input size and layers, the inference settings, and where it came from (config digest, seed, step, training sites, the effective cluster.yaml). It is checksummed, so a damaged copy is refused.

        At ViT-L sizes the normal-patch memory is most of the file (the command prints both sizes); --memory-float16 stores it in half the bytes, at the cost of a rounding of about 1e-3 in its values.

        Examples:
          ultraad export --config cluster.yaml --out model.safetensors
          ultraad export --config cluster.yaml --checkpoint runs/r1/checkpoints/step-00000500.safetensors --out model.safetensors
        """)
    @OptionGroup var file: ConfigFile
    @Option(help: "A checkpoint file (default: the run's latest).") var checkpoint: String?
    @Option(help: "The model file to write.") var out: String
    @Flag(help: "Store the normal-patch memory as float16: half its size, scores within about 1e-3 of float32's.")
    var memoryFloat16 = false

    func validate() throws {
        if let checkpoint, !FileManager.default.fileExists(atPath: checkpoint) {
            throw ValidationError("--checkpoint \(checkpoint) does not exist")
        }
        _ = try file.load()
    }

    func run() throws {
        let c = try file.load()
        let (model, bytes) = try ExportRun.execute(c, checkpoint: checkpoint.map { URL(fileURLWithPath: $0) },
                                                   to: URL(fileURLWithPath: out), memoryAsFloat16: memoryFloat16)
        let memory = model.normalMemory.map { $0.count * (memoryFloat16 ? 2 : 4) }.reduce(0, +)
        print(String(format: "exported step %d of %@ -> %@ (%.1f MB; normal-patch memory %.1f MB)", model.provenance.step,
                     c.run.name, out, Double(bytes) / 1e6, Double(memory) / 1e6))
    }
}
