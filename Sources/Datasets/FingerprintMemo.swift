import Foundation
import Shared

/// CACHE/fingerprints.tsv: the fingerprint of every image file seen, under the FNV-1a 64
/// of the file's bytes, so a duplicate scan decodes each file once across runs and checks.
///
/// ```
/// # ultraad-fingerprints version 1
/// 5f1e0c7a9b2d4e61<TAB>PIXELS<TAB>PERCEPTUAL
/// ```
/// The version is `ImageFingerprint.version`: another hash design makes the file stale,
/// and it is rebuilt. A malformed line is ignored (that image is fingerprinted again).
struct FingerprintMemo {
    static let header = "# ultraad-fingerprints version "
    let url: URL
    var known: [String: ImageFingerprint] = [:]

    static func url(cache: URL) -> URL { cache.appendingPathComponent("fingerprints.tsv") }

    init(url: URL) {
        self.url = url
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(Self.header + ImageFingerprint.version) else { return }
        lines.removeFirst()
        for line in lines {
            let f = line.split(separator: "\t").map(String.init)
            guard f.count == 3, let print = ImageFingerprint(pixels: f[1], perceptual: f[2]) else { continue }
            known[f[0]] = print
        }
    }

    /// Writes every known fingerprint (atomically: a crash leaves the old file or the new).
    func save() throws {
        var text = Self.header + ImageFingerprint.version + "\n"
        for (digest, f) in known.sorted(by: { $0.key < $1.key }) {
            text += "\(digest)\t\(f.pixels)\t\(f.perceptualText)\n"
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let failure = AtomicFile.write(Array(text.utf8), to: url, durable: false) {
            throw WriteError(description: "\(url.path): cannot write: \(failure)")
        }
    }
}

struct WriteError: Error, CustomStringConvertible { let description: String }
