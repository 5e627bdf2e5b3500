import ArgumentParser

/// `ultraad data`: commands about the datasets themselves.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Check the datasets a configuration names.",
        subcommands: [DataCheck.self])
}
