import ArgumentParser
import Foundation
import Shared

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute one chunk's loss and gradients from a safetensors file (docs/METHOD.md, the replay contract).",
        discussion: """
        IN holds every trainable parameter, the frozen bank (frozen.T0, frozen.Pt, frozen.Ft, frozen.Lt, frozen.source) and the queries (query.g, query.U.{l}, query.Z0.{l}, query.mask, query.label, query.source). OUT gets `loss` (mean over the queries) and grad.NAME for every parameter. Sizes are read from the shapes.

        Example: ultraad-worker replay --in chunk.safetensors --out grads.safetensors
        """)
    @Option(name: .customLong("in"), help: "Input safetensors (the replay contract's IN).") var input: String
    @Option(help: "Output safetensors for loss and grad.NAME.") var out: String
    @Option(help: "BLAS threads.") var threads: Int = 1
    @Flag(help: "Print the read, compute and write times to stderr, for benchmarks.") var timing = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        Memory.restartWithComputeEnvironment(blasThreads: threads)
        BLAS.threads = threads
        Memory.retainFreedPages()
        let t0 = Date()
        let replay = try ReplayCase(reading: SafeTensorsReader(contentsOf: URL(fileURLWithPath: input)))
        let t1 = Date()
        let result = replay.run()
        let t2 = Date()
        try ReplayCase.write(loss: result.loss, gradients: result.gradients, to: URL(fileURLWithPath: out))
        if timing {
            let ms = { (a: Date, b: Date) in String(format: "%.1f", b.timeIntervalSince(a) * 1000) }
            FileHandle.standardError.write(Data("read \(ms(t0, t1)) ms, compute \(ms(t1, t2)) ms, write \(ms(t2, Date())) ms\n".utf8))
        }
        let mean = result.parts.mean(over: replay.chunk.queries.count)
        print(String(format: "loss %.6f (focal %.4f, dice %.4f, bce %.4f, ce %.4f per query) -> %@",
                     result.loss, mean.focal, mean.dice, mean.bce, mean.ce, out))
    }
}
