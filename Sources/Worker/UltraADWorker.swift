import ArgumentParser
import Foundation
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
        abstract: "Recompute one chunk's loss and gradients from a safetensors file (METHOD.md, the replay contract).",
        discussion: """
        IN holds every trainable parameter, the frozen bank (frozen.T0, frozen.Pt, frozen.Ft,
        frozen.Lt, frozen.source) and the queries (query.g, query.U.{l}, query.Z0.{l},
        query.mask, query.label, query.source). OUT gets `loss` (mean over the queries) and
        grad.NAME for every parameter. Sizes are read from the shapes.
        Example: ultraad-worker replay --in chunk.safetensors --out grads.safetensors
        """)
    @Option(name: .customLong("in"), help: "Input safetensors (the replay contract's IN).") var input: String
    @Option(help: "Output safetensors for loss and grad.NAME.") var out: String
    @Option(help: "BLAS threads.") var threads: Int = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        BLAS.threads = threads
        Memory.retainFreedPages()
        let replay = try ReplayCase(reading: SafeTensorsReader(contentsOf: URL(fileURLWithPath: input)))
        let result = replay.run()
        try ReplayCase.write(loss: result.loss, gradients: result.gradients, to: URL(fileURLWithPath: out))
        print(String(format: "loss %.6f (focal %.4f, dice %.4f, bce %.4f, ce %.4f per query) -> %@",
                     result.loss, result.parts.focal / Double(replay.chunk.queries.count),
                     result.parts.dice / Double(replay.chunk.queries.count),
                     result.parts.bce / Double(replay.chunk.queries.count),
                     result.parts.ce / Double(replay.chunk.queries.count), out))
    }
}
