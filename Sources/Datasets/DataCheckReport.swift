import Foundation
import Shared

/// What `ultraad data check` finds in a configuration's sites: per site the images per
/// class, groups, sizes, masks, skipped files with the reason, duplicates and label
/// conflicts; and the duplicates and conflicts that span sites. Paths are relative to the
/// site's dataset folder (`Dataset.root`; a manifest's folder), or `SITE:path` where a
/// list spans sites. `--json` writes it as it is encoded here (docs/DATASETS.md).
public struct DataCheckReport: Codable, Sendable {
    public struct Classes: Codable, Sendable { public var normal = 0, benign = 0, malignant = 0 }
    public struct Size: Codable, Sendable {
        public var minWidth: Int, maxWidth: Int, minHeight: Int, maxHeight: Int
        enum CodingKeys: String, CodingKey {
            case minWidth = "min_width", maxWidth = "max_width", minHeight = "min_height", maxHeight = "max_height"
        }
    }
    public struct Skipped: Codable, Sendable { public var path: String; public var reason: String }

    public struct Site: Codable, Sendable {
        public var name: String
        public var format: String
        public var folder: String
        public var images: Int
        public var classes: Classes
        /// Patients (or images, where the dataset names none).
        public var groups: Int
        public var size: Size?
        /// Images that come with a lesion mask.
        public var masks: Int
        public var resizedMasks: [String]
        public var skipped: [Skipped]
        /// Images that show the same picture (exact or near), within this site.
        public var duplicateGroups: [[String]]
        /// Images labelled two ways: one image (a mask colour against its table) or the images
        /// of one patient or duplicate group.
        public var labelConflicts: [[String]]

        enum CodingKeys: String, CodingKey {
            case name, format, folder, images, classes, groups, size, masks
            case resizedMasks = "resized_masks", skipped
            case duplicateGroups = "duplicate_groups", labelConflicts = "label_conflicts"
        }
    }

    public var sites: [Site]
    public var crossSiteDuplicateGroups: [[String]]
    public var crossSiteLabelConflicts: [[String]]
    /// The perceptual-hash distance at or below which two images are near duplicates.
    public var nearDuplicateThreshold: Int

    enum CodingKeys: String, CodingKey {
        case sites, crossSiteDuplicateGroups = "cross_site_duplicate_groups"
        case crossSiteLabelConflicts = "cross_site_label_conflicts"
        case nearDuplicateThreshold = "near_duplicate_threshold"
    }

    /// Builds the report from loaded datasets and their duplicate scan.
    public init(datasets: [Dataset], scan: DuplicateScan) {
        let entries = Dictionary(datasets.flatMap(\.entries).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = SplitGroups(datasets: datasets, duplicates: scan.groups.map(\.members))
        func sitesOf(_ ids: [String]) -> Set<String> { Set(ids.compactMap { entries[$0]?.site }) }
        func qualified(_ ids: [String]) -> [String] { ids.compactMap { entries[$0].map { "\($0.site):\($0.relativePath)" } } }
        func local(_ ids: [String], _ site: String) -> [String] { ids.compactMap { entries[$0] }.filter { $0.site == site }.map(\.relativePath) }

        var out: [Site] = []
        for d in datasets {
            var classes = Classes()
            for e in d.entries {
                switch e.label { case .normal: classes.normal += 1; case .benign: classes.benign += 1; case .malignant: classes.malignant += 1 }
            }
            var size: Size?
            for e in d.entries {
                guard let s = d.imageSizes[e.relativePath] else { continue }
                size = Size(minWidth: min(size?.minWidth ?? .max, s.width), maxWidth: max(size?.maxWidth ?? 0, s.width),
                            minHeight: min(size?.minHeight ?? .max, s.height), maxHeight: max(size?.maxHeight ?? 0, s.height))
            }
            let folder = CSVManifestFolder.of(d)
            let within = scan.groups.map { local($0.members, d.name) }.filter { $0.count > 1 }
            let conflicts = d.labelConflicts + groups.conflicts.filter { sitesOf($0) == [d.name] }.map { local($0, d.name) }
            out.append(Site(name: d.name, format: d.format, folder: folder, images: d.entries.count, classes: classes,
                            groups: Set(d.entries.map(\.group)).count, size: size,
                            masks: d.entries.filter { !$0.maskPaths.isEmpty }.count, resizedMasks: d.resizedMasks,
                            skipped: d.skipped.map { Skipped(path: Self.relative($0.file, to: folder), reason: $0.description) },
                            duplicateGroups: within, labelConflicts: conflicts))
        }
        sites = out
        crossSiteDuplicateGroups = scan.groups.filter { sitesOf($0.members).count > 1 }.map { qualified($0.members) }
        crossSiteLabelConflicts = groups.conflicts.filter { sitesOf($0).count > 1 }.map(qualified)
        nearDuplicateThreshold = scan.threshold
    }

    /// `path` relative to `folder` when inside it.
    static func relative(_ path: String, to folder: String) -> String {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// The report as text for the terminal.
    public var text: String {
        var s = ""
        for site in sites {
            let c = site.classes
            s += "site \(site.name) (\(site.format), \(site.folder)): \(site.images) images: \(c.normal) normal, \(c.benign) benign, \(c.malignant) malignant; \(site.groups) groups\n"
            if let z = site.size { s += "  sizes \(z.minWidth)-\(z.maxWidth) x \(z.minHeight)-\(z.maxHeight); \(site.masks) with masks\n" }
            if !site.resizedMasks.isEmpty { s += "  \(site.resizedMasks.count) masks resized to their image: \(site.resizedMasks.prefix(3).joined(separator: ", "))\(site.resizedMasks.count > 3 ? ", ..." : "")\n" }
            if !site.skipped.isEmpty {
                s += "  \(site.skipped.count) skipped:\n"
                for k in site.skipped { s += "    \(k.reason)\n" }
            }
            let dupImages = site.duplicateGroups.map(\.count).reduce(0, +)
            s += "  \(site.duplicateGroups.count) duplicate groups (\(dupImages) images)\n"
            for g in site.duplicateGroups.prefix(10) { s += "    \(g.joined(separator: " = "))\n" }
            if site.duplicateGroups.count > 10 { s += "    ... (all of them in --json)\n" }
            if !site.labelConflicts.isEmpty {
                s += "  \(site.labelConflicts.count) label conflicts:\n"
                for g in site.labelConflicts { s += "    \(g.joined(separator: ", "))\n" }
            }
        }
        if !crossSiteDuplicateGroups.isEmpty {
            s += "\(crossSiteDuplicateGroups.count) duplicate groups across sites:\n"
            for g in crossSiteDuplicateGroups.prefix(10) { s += "  \(g.joined(separator: " = "))\n" }
        }
        if !crossSiteLabelConflicts.isEmpty {
            s += "\(crossSiteLabelConflicts.count) label conflicts across sites:\n"
            for g in crossSiteLabelConflicts { s += "  \(g.joined(separator: ", "))\n" }
        }
        return s
    }
}

/// The folder a site's relative paths are relative to: the dataset folder, or a manifest's folder.
enum CSVManifestFolder {
    static func of(_ d: Dataset) -> String {
        d.format == DatasetFormat.csv.rawValue ? (d.root as NSString).deletingLastPathComponent : d.root
    }
}
