import ArgumentParser

struct Clip: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the frozen CLIP encoders on images or texts.",
        subcommands: [EncodeImage.self, EncodeText.self]
    )

    struct EncodeImage: PlannedCommand {
        static let configuration = CommandConfiguration(
            commandName: "encode-image",
            abstract: "Write g, U.{l} and Z0.{l} for images to a safetensors file. (planned)")
        static let plannedIn = "the CLIP encoders issue"
        @Argument(parsing: .allUnrecognized) var arguments: [String] = []
    }

    struct EncodeText: PlannedCommand {
        static let configuration = CommandConfiguration(
            commandName: "encode-text",
            abstract: "Write token ids and text features for sentences to a safetensors file. (planned)")
        static let plannedIn = "the CLIP encoders issue"
        @Argument(parsing: .allUnrecognized) var arguments: [String] = []
    }
}
