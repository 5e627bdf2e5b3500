import Foundation

/// shots.csv: the few-shot support images of a run, so that a run can be repeated with the
/// same shots (docs/FORMATS.md, "shots.csv").
///
/// ```
/// # ultraad-shots version 1
/// site,label,image,digest
/// site-A,benign,benign/benign (3).png,5f1e0c7a9b2d4e61
/// ```
/// `image` is relative to the site's dataset folder or manifest folder, `digest` is the
/// FNV-1a 64 of the image file's bytes (`DatasetEntry.imageDigest()`).
public struct ShotsFile: Sendable {
    public static let version = "1"
    static let versionLine = "# ultraad-shots version"
    static let columns = ["site", "label", "image", "digest"]

    public struct Shot: Equatable, Sendable {
        public var site: String
        public var label: LesionClass
        /// The image path relative to its dataset.
        public var image: String
        public var digest: String
        /// The line in the file it came from (0 for shots not read from a file).
        public var line: Int

        public init(site: String, label: LesionClass, image: String, digest: String, line: Int = 0) {
            self.site = site; self.label = label; self.image = image; self.digest = digest; self.line = line
        }
    }

    /// The file the shots were read from (for errors).
    public var path: String
    public var shots: [Shot]

    public init(path: String, shots: [Shot]) {
        self.path = path; self.shots = shots
    }

    // MARK: Writing

    /// Writes the support images of `splits` (their digests computed from the files),
    /// atomically (temporary file, then rename).
    public static func write(_ splits: [FewShotSplit], to path: String) throws(ShotsError) {
        var text = "\(versionLine) \(version)\n" + CSV.format(columns)
        for split in splits {
            for e in split.support {
                let digest: String
                do { digest = try e.imageDigest() } catch {
                    throw .unreadable(file: e.imagePath, reason: error.description)
                }
                text += CSV.format([e.site, e.label.name, e.relativePath, digest])
            }
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .cannotWrite(file: path, reason: DatasetEntry.reason(error))
        }
    }

    // MARK: Reading

    /// Reads and checks the syntax of a shots.csv (not yet the images: see `split`).
    public static func read(_ path: String) throws(ShotsError) -> ShotsFile {
        let read = CSV.readText(path)
        guard var text = read.text else { throw .unreadable(file: path, reason: read.reason) }
        if text.hasPrefix("#") {
            let end = text.firstIndex(of: "\n") ?? text.endIndex
            let comment = text[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
            guard comment.hasPrefix(versionLine) else {
                throw .malformed(file: path, line: 1, reason: "the first line should be \"\(versionLine) \(version)\"")
            }
            let v = comment.dropFirst(versionLine.count).trimmingCharacters(in: .whitespaces)
            guard v == version else { throw .unsupportedVersion(file: path, line: 1, version: v) }
            text = String(text[end...])   // keeps the line break, so CSV line numbers stay the file's
        }
        let records: [CSVRecord]
        do { records = try CSV.parse(text) } catch {
            throw .malformed(file: path, line: error.line, reason: error.reason)
        }
        guard let header = records.first else {
            throw .malformed(file: path, line: 1, reason: "no header (expected \(columns.joined(separator: ",")))")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names.sorted() == columns.sorted() else {
            throw .malformed(file: path, line: header.line,
                             reason: "header is \(names.joined(separator: ",")), expected \(columns.joined(separator: ","))")
        }
        func col(_ n: String) -> Int { names.firstIndex(of: n) ?? 0 }
        var seen = Set<String>()
        var shots: [Shot] = []
        for r in records.dropFirst() {
            let line = r.line
            guard r.fields.count == names.count else {
                throw .malformed(file: path, line: line, reason: "\(r.fields.count) fields, expected \(names.count)")
            }
            let site = r.fields[col("site")], image = r.fields[col("image")]
            let digest = r.fields[col("digest")].lowercased()
            guard let label = LesionClass(parsing: r.fields[col("label")]) else {
                throw .malformed(file: path, line: line, reason: "unknown label \"\(r.fields[col("label")])\"")
            }
            guard !image.isEmpty else { throw .malformed(file: path, line: line, reason: "empty image path") }
            guard digest.count == 16, digest.allSatisfy(\.isHexDigit) else {
                throw .malformed(file: path, line: line, reason: "digest \"\(digest)\" is not 16 hex digits")
            }
            guard seen.insert(site + "\n" + image).inserted else {
                throw .malformed(file: path, line: line, reason: "\(site) \(image) is listed twice")
            }
            shots.append(Shot(site: site, label: label, image: image, digest: digest, line: line))
        }
        return ShotsFile(path: path, shots: shots)
    }

    // MARK: Reuse

    /// The site names the file has shots for, sorted.
    public var sites: [String] { Array(Set(shots.map(\.site))).sorted() }

    /// `dataset` split with this file's shots of its site as support. Each shot must still
    /// be an image of the dataset, with the same label and the same file digest.
    public func split(_ dataset: Dataset) throws(ShotsError) -> FewShotSplit {
        let byPath = Dictionary(dataset.entries.map { ($0.relativePath, $0) }, uniquingKeysWith: { a, _ in a })
        var paths = Set<String>()
        for shot in shots where shot.site == dataset.name {
            guard let entry = byPath[shot.image] else {
                throw .notInDataset(file: path, line: shot.line, image: shot.image, site: shot.site)
            }
            guard entry.label == shot.label else {
                throw .labelMismatch(file: path, line: shot.line, image: entry.imagePath, inFile: shot.label, inDataset: entry.label)
            }
            let digest: String
            do { digest = try entry.imageDigest() } catch {
                let reason: String
                if case let .unreadable(_, r) = error { reason = r } else { reason = error.description }
                throw .missingImage(file: path, line: shot.line, image: entry.imagePath, reason: reason)
            }
            guard digest == shot.digest else {
                throw .digestMismatch(file: path, line: shot.line, image: entry.imagePath, expected: shot.digest, actual: digest)
            }
            paths.insert(shot.image)
        }
        return dataset.split(support: paths)
    }

    /// One split per dataset; a shot whose site is not among `datasets` is an error.
    public func splits(_ datasets: [Dataset]) throws(ShotsError) -> [FewShotSplit] {
        let known = datasets.map(\.name)
        if let stray = shots.first(where: { !known.contains($0.site) }) {
            throw .unknownSite(file: path, line: stray.line, site: stray.site, known: known)
        }
        var out: [FewShotSplit] = []
        for d in datasets { out.append(try split(d)) }
        return out
    }
}
