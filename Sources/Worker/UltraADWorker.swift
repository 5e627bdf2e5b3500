import ArgumentParser
import Shared

@main
struct UltraADWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ultraad-worker",
        abstract: "An UltraAD worker: computes gradients and features for a coordinator.",
        discussion: """
        Run `ultraad-worker --connect tcp://HOST:PORT` on each machine (planned),
        or `ultraad-worker replay` to recompute one chunk offline from a file.
        """,
        subcommands: [Connect.self, Replay.self],
        defaultSubcommand: Connect.self
    )
}

struct NotBuiltYet: Error, CustomStringConvertible {
    let what: String, issue: String
    var description: String { "`\(what)` is not built yet (planned in: \(issue))." }
}

struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to a coordinator and work until it says BYE. (planned)")
    @Option(help: "Coordinator address, e.g. tcp://10.0.0.1:5555 or ipc:///tmp/ultraad.sock.")
    var connect: String?
    func run() throws {
        throw NotBuiltYet(what: "ultraad-worker --connect", issue: "the distributed runtime issue")
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute one chunk's loss and gradients from a safetensors file (METHOD.md, the replay contract). (planned)")
    @Option(help: "Input safetensors with parameters, frozen bank and queries.") var `in`: String?
    @Option(help: "Output safetensors for loss and grad.NAME.") var out: String?
    func run() throws {
        throw NotBuiltYet(what: "ultraad-worker replay", issue: "the UltraAD head issue")
    }
}
