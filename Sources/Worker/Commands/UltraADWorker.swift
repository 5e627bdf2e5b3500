import ArgumentParser
import Foundation
import Logging
import Shared

@main
struct UltraADWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ultraad-worker",
        abstract: "An UltraAD worker: computes gradients and features for a coordinator.",
        discussion: """
        Run `ultraad-worker --connect tcp://HOST:PORT` on each machine (add --server-key and

        --key for a CURVE coordinator), or `ultraad-worker replay` to recompute one chunk offline from a file.
        """,
        subcommands: [Connect.self, Replay.self],
        defaultSubcommand: Connect.self
    )
}
