import ArgumentParser
import Foundation
import Shared

/// `--config`, for the commands that need one.
struct ConfigFile: ParsableArguments {
    @Option(help: "The run's cluster.yaml (docs/CONFIGURATION.md; the repository's cluster.yaml lists every key).")
    var config: String

    /// The file with the command's flags written over it, validated as a whole.
    func load(_ flags: (inout ClusterConfig) throws -> Void = { _ in }) throws -> ClusterConfig {
        try ClusterConfig.load(path: config).overridden(by: flags, source: config)
    }
}

extension ClusterConfig {
    /// The one way flags reach the settings: `flags` write over these values, then the whole
    /// is validated, so a flag obeys the same rules as its key (the error names the key).
    func overridden(by flags: (inout ClusterConfig) throws -> Void, source: String,
                    requiringSites: Bool = true) throws -> ClusterConfig {
        var c = self
        try flags(&c)
        try c.validate(source: "\(source) with the command-line options", requiringSites: requiringSites)
        return c
    }
}
