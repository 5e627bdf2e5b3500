import Foundation

/// The identity of a backbone's weights: a digest of the file's content, so that a copy
/// elsewhere (another node, another folder) is the same backbone and a rewritten file is
/// another one. Hashing gigabytes takes seconds, so each result is remembered in a small
/// table beside the feature cache, by path, size and modification time (nanoseconds):
/// a file is read again only when one of those changes.
public enum WeightsDigest {
    /// The digest of `weights`: "builtin:tiny" for the builtin (its weights are a function
    /// of its fixed seed), else FNV-1a 64 of the file's bytes. `memo`: the table file.
    public static func of(_ weights: String, memo: URL) throws(CLIPLoadError) -> String {
        guard !weights.hasPrefix(CLIPBuiltin.prefix) else { return weights }
        let stamp = try Self.stamp(weights)
        var table = Self.read(memo)
        if let known = table[stamp] { return known }
        let digest = try Self.of(weights)
        table[stamp] = digest
        Self.write(table, to: memo)   // a table that cannot be written costs a hash next time
        return digest
    }

    /// The digest of `weights` read afresh, with no table (a worker, which has no feature
    /// cache, checks its copy once per process).
    public static func of(_ weights: String) throws(CLIPLoadError) -> String {
        weights.hasPrefix(CLIPBuiltin.prefix) ? weights : try hash(weights)
    }

    /// "SIZE MTIME-NANOSECONDS PATH" of a file.
    static func stamp(_ path: String) throws(CLIPLoadError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        return "\(info.st_size) \(info.st_mtim.tv_sec).\(String(format: "%09ld", info.st_mtim.tv_nsec)) \(path)"
    }

    /// FNV-1a 64 of the file's bytes, read in 4 MiB pieces.
    static func hash(_ path: String) throws(CLIPLoadError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(file: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        var h = FNV1a()
        while true {
            let piece: Data
            do { piece = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw .unreadable(file: path, reason: "\(error)")
            }
            if piece.isEmpty { break }
            piece.withUnsafeBytes { h.add($0) }
        }
        return h.digest
    }

    /// The table: one "DIGEST<TAB>STAMP" line per file; unreadable lines are ignored.
    static func read(_ memo: URL) -> [String: String] {
        guard let text = try? String(contentsOf: memo, encoding: .utf8) else { return [:] }
        var table = [String: String]()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2, parts[0].count == 16 { table[String(parts[1])] = String(parts[0]) }
        }
        return table
    }

    static func write(_ table: [String: String], to memo: URL) {
        try? FileManager.default.createDirectory(at: memo.deletingLastPathComponent(), withIntermediateDirectories: true)
        let text = table.sorted { $0.key < $1.key }.map { "\($0.value)\t\($0.key)\n" }.joined()
        _ = AtomicFile.write(Array(text.utf8), to: memo, durable: false)
    }
}
