import ArgumentParser
import Shared

struct Clip: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the frozen CLIP encoders on images or texts.",
        discussion: """
        --weights takes a safetensors CLIP ViT checkpoint in Hugging Face CLIPModel or OpenAI/open_clip naming (docs/FORMATS.md), or builtin:tiny: seeded random weights that need no download (not a pretrained model).
        """,
        subcommands: [EncodeImage.self, EncodeText.self]
    )
}

/// Options shared by the CLIP commands.
struct ClipModelOptions: ParsableArguments {
    @Option(help: "A safetensors CLIP checkpoint, or builtin:tiny.")
    var weights: String = "builtin:tiny"
    @Option(help: "BLAS and worker threads (default: all cores).")
    var threads: Int?
    @Option(help: "MLP activation: quick_gelu or gelu (default: the checkpoint's metadata, else quick_gelu).")
    var activation: String?

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if let a = activation, ActivationKind(rawValue: a) == nil {
            throw ValidationError("--activation must be quick_gelu or gelu")
        }
    }

    var activationKind: ActivationKind? { activation.flatMap(ActivationKind.init(rawValue:)) }

    /// Sets BLAS.threads and returns the thread count for the row passes.
    func applyThreads() -> Int {
        if let threads { BLAS.threads = threads }
        return BLAS.threads
    }
}

/// A CLIP command whose inputs do not fit the loaded model (found after loading it).
struct ClipCommandError: Error, CustomStringConvertible {
    let description: String
}
