import Foundation
import Shared

/// A CSV manifest: a header naming the columns `image`, `mask`, `label` and optionally
/// `site` and `patient` (any order; other columns are ignored), then one row per image.
/// Images of one `patient` form one few-shot group; an empty `patient` is the image itself. Paths are
/// relative to the manifest's folder (or absolute). `mask` may be empty for a normal
/// image and may list several masks separated by `;`, which are OR-merged. `label` is
/// normal/benign/malignant (any case) or 0/1/2.
///
/// Sites: when some row names a site, every row must, and loading site S takes the rows of
/// S; when no row names one, every row belongs to the site being loaded.
enum CSVManifest {
    static let requiredColumns = ["image", "mask", "label"]

    struct Row {
        var line: Int
        var image: String
        var masks: [String]
        var labelText: String
        var site: String
        var patient: String
    }

    static func load(site: String, manifest: String, options: Dataset.Options) throws(DatasetError) -> Dataset {
        let rows = try readRows(manifest)
        let named = rows.contains { !$0.site.isEmpty }
        if named, let blank = rows.first(where: { $0.site.isEmpty }) {
            throw .badManifest(manifest: manifest, line: blank.line, reason: "empty site while other rows name one")
        }
        let mine = named ? rows.filter { $0.site == site } : rows
        if mine.isEmpty {
            if named {
                throw .siteNotInManifest(manifest: manifest, site: site, available: siteNames(rows))
            }
            throw .empty(path: manifest)
        }
        let folder = (manifest as NSString).deletingLastPathComponent
        var problems = DatasetProblems(skipBad: options.skipBad)
        var seen: [String: Int] = [:]
        var entries: [DatasetEntry] = []
        for row in mine {
            guard !row.image.isEmpty else {
                if let mask = row.masks.first {
                    try problems.report(.orphanMask(mask: joinPath(folder, mask),
                                                    expectedImage: "an image in the image column of \(manifest):\(row.line)"))
                } else {
                    throw .badManifest(manifest: manifest, line: row.line, reason: "empty image path")
                }
                continue
            }
            if let first = seen[row.image] {
                throw .badManifest(manifest: manifest, line: row.line, reason: "image \(row.image) is listed again (first on line \(first))")
            }
            seen[row.image] = row.line
            guard let label = LesionClass(parsing: row.labelText) else {
                try problems.report(.unknownLabel(manifest: manifest, line: row.line, label: row.labelText))
                continue
            }
            let imagePath = joinPath(folder, row.image)
            if label.isAbnormal && row.masks.isEmpty {
                try problems.report(.missingMask(image: imagePath, expected: "a mask path in the mask column of \(manifest):\(row.line)"))
                continue
            }
            let entry = DatasetEntry(site: site, relativePath: row.image, imagePath: imagePath,
                                     maskPaths: label.isAbnormal ? row.masks.map { joinPath(folder, $0) } : [],
                                     label: label, group: row.patient.isEmpty ? nil : "patient " + row.patient,
                                     maskThreshold: options.maskThreshold)
            if let ok = try problems.verified(entry, decode: options.decodeAll) { entries.append(ok) }
        }
        return try problems.dataset(site: site, root: manifest, format: .csv, entries: entries)
    }

    /// The distinct site names of a manifest, sorted (empty when it names none).
    static func sites(in manifest: String) throws(DatasetError) -> [String] {
        siteNames(try readRows(manifest))
    }

    static func siteNames(_ rows: [Row]) -> [String] {
        Array(Set(rows.map(\.site).filter { !$0.isEmpty })).sorted()
    }

    static func readRows(_ manifest: String) throws(DatasetError) -> [Row] {
        let read = CSV.readText(manifest)
        guard let text = read.text else { throw .unreadable(file: manifest, reason: read.reason) }
        let records: [CSVRecord]
        do { records = try CSV.parse(text) } catch {
            throw .badManifest(manifest: manifest, line: error.line, reason: error.reason)
        }
        guard let header = records.first else {
            throw .badManifest(manifest: manifest, line: 1, reason: "empty file (expected the header image,mask,label,site)")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var column: [String: Int] = [:]
        for (i, n) in names.enumerated() where column[n] == nil { column[n] = i }
        let missing = requiredColumns.filter { column[$0] == nil }
        guard missing.isEmpty else {
            throw .badManifest(manifest: manifest, line: header.line,
                               reason: "header lacks column(s) \(missing.joined(separator: ", ")) (expected image,mask,label,site)")
        }
        return try records.dropFirst().map { r throws(DatasetError) -> Row in
            guard r.fields.count == names.count else {
                throw .badManifest(manifest: manifest, line: r.line,
                                   reason: "\(r.fields.count) fields, the header has \(names.count)")
            }
            func value(_ name: String) -> String {
                column[name].map { r.fields[$0].trimmingCharacters(in: .whitespaces) } ?? ""
            }
            let masks = value("mask").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return Row(line: r.line, image: value("image"), masks: masks, labelText: value("label"), site: value("site"),
                       patient: value("patient"))
        }
    }
}
