import Foundation
import Shared

/// The folder a coordinator session keeps its files in while it runs: the endpoint it
/// listens on (for workers started by scripts and tests) and the local workers' CURVE keys.
/// A run folder for prepare, train and evaluate; predict's output folder for predict.
struct SessionFolder {
    let url: URL
    var endpointFile: URL { url.appendingPathComponent("coordinator.endpoint") }

    func writeEndpoint(_ endpoint: String) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if let failure = AtomicFile.write(Array((endpoint + "\n").utf8), to: endpointFile, durable: false) {
            throw CoordinatorError.run("cannot write \(endpointFile.path): \(failure)")
        }
    }
}
