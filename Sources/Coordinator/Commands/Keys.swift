import ArgumentParser
import Foundation
import Shared

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make CURVE key pairs for encrypted, authenticated coordinator-worker links.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a coordinator key pair and worker key pairs (Z85 text files).",
            discussion: """
            Writes DIR/coordinator.key and DIR/coordinator.key_secret, and DIR/worker-N.key and DIR/worker-N.key_secret for N = 1...--workers. Public keys (.key) may be copied anywhere; secret keys (.key_secret, mode 0600) stay with their owner. In cluster.yaml:
              coordinator.curve.secret_key: keys/coordinator.key_secret
              coordinator.curve.public_key: keys/coordinator.key
              coordinator.curve.authorized_workers: [keys/worker-1.key, ...]

            Then start each worker with:
              ultraad-worker --connect tcp://HOST:PORT --server-key keys/coordinator.key --key keys/worker-1.key_secret
            """)
        @Option(help: "Folder for the key files (created if missing).") var out: String
        @Option(help: "Worker key pairs to make.") var workers: Int = 1
        @Flag(help: "Replace key files that already exist.") var force = false

        var names: [String] { ["coordinator"] + (0..<workers).map { "worker-\($0 + 1)" } }

        func validate() throws {
            guard workers >= 0 else { throw ValidationError("--workers must be at least 0") }
            let dir = URL(fileURLWithPath: out)
            if !force {
                for n in names where FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(n).key_secret").path) {
                    throw ValidationError("\(dir.appendingPathComponent("\(n).key_secret").path) exists; use --force to replace it")
                }
            }
        }

        func run() throws {
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for n in names {
                try CurveKeyPair.generate().write(to: dir, name: n)
                print("wrote \(dir.appendingPathComponent("\(n).key").path) and .key_secret")
            }
        }
    }
}
