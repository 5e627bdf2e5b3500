import Foundation
import Shared

/// CACHE/fingerprints.json: the fingerprint of every image file seen, under the FNV-1a 64
/// of the file's bytes, so a duplicate scan decodes each file once across runs and checks.
/// `{"version": V, "fingerprints": {"5f1e0c7a9b2d4e61": {"pixels": ..., "perceptual": ...}}}`.
/// A file of another `ImageFingerprint.version`, or one that does not parse, is ignored
/// (every image is fingerprinted again) and replaced.
struct FingerprintMemo {
    struct Contents: Codable {
        var version: Int
        var fingerprints: [String: ImageFingerprint]
    }

    let url: URL
    var known: [String: ImageFingerprint] = [:]

    static func url(cache: URL) -> URL { cache.appendingPathComponent("fingerprints.json") }

    init(url: URL) {
        self.url = url
        guard let data = try? Data(contentsOf: url), let contents = try? JSONDecoder().decode(Contents.self, from: data),
              contents.version == ImageFingerprint.version else { return }
        known = contents.fingerprints
    }

    /// Writes every known fingerprint (atomically: a crash leaves the old file or the new).
    func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = [UInt8](try encoder.encode(Contents(version: ImageFingerprint.version, fingerprints: known)))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let failure = AtomicFile.write(bytes, to: url, durable: false) {
            throw WriteError(description: "\(url.path): cannot write: \(failure)")
        }
    }
}

struct WriteError: Error, CustomStringConvertible { let description: String }
