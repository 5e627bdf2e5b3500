import Foundation
import Shared

public typealias DatasetFormat = ClusterConfig.SiteSettings.Format

extension Dataset {
    /// Loads one entry of `sites:`.
    public static func load(_ site: ClusterConfig.SiteSettings, options: Options) throws(DatasetError) -> Dataset {
        try load(site: site.name, from: site.path.path, format: site.format, table: site.table?.path, options: options)
    }

    /// Loads site `name` from `path`: a dataset folder as it unzips (or the dataset folder
    /// inside it), or a CSV manifest (its rows for this site, or all rows when it names no
    /// sites). `format` `.auto` detects the layout (`DatasetLayout.resolve`); `table`
    /// replaces the layout's own label table.
    public static func load(site name: String, from path: String, format: DatasetFormat = .auto, table: String? = nil,
                            options: Options = Options()) throws(DatasetError) -> Dataset {
        let (format, root) = try DatasetLayout.resolve(path, format: format)
        if let table, !FileManager.default.fileExists(atPath: table) { throw .notFound(path: table) }
        switch format {
        case .auto: preconditionFailure("resolve never answers auto")
        case .busi: return try BUSIFolder.load(site: name, folder: root, options: options)
        case .busUCLM: return try BUSUCLMFolder.load(site: name, folder: root, table: table, options: options)
        case .busBRA: return try BUSBRAFolder.load(site: name, folder: root, table: table, options: options)
        case .breastLesionsUSG: return try BrEaSTFolder.load(site: name, folder: root, table: table, options: options)
        case .udiatB: return try UDIATFolder.load(site: name, folder: root, table: table, options: options)
        case .csv: return try CSVManifest.load(site: name, manifest: root, options: options)
        }
    }

    /// The site names a CSV manifest lists in its `site` column, sorted (empty when it
    /// names none).
    public static func sitesInManifest(_ path: String) throws(DatasetError) -> [String] {
        try CSVManifest.sites(in: path)
    }
}

/// Which layout a dataset path is in, and the folder that holds it.
public enum DatasetLayout {
    /// The folder layouts in the order detection tries them (the most specific first: a
    /// BUS-UCLM folder could also hold a stray `benign/`).
    /// `matches(folder, named)`: `named` when the format was given, which may ask for less
    /// (BUS-UCLM without its INFO.csv is still BUS-UCLM when the user says so).
    static let folderLayouts: [(format: DatasetFormat, matches: @Sendable (String, Bool) -> Bool, signature: String)] = [
        (.busUCLM, BUSUCLMFolder.matches, "images/, masks/ and INFO.csv"),
        (.busBRA, BUSBRAFolder.matches, "Images/, Masks/ and bus_data.csv"),
        (.udiatB, UDIATFolder.matches, "original/ and GT/"),
        (.busi, BUSIFolder.matches, "normal/, benign/ or malignant/"),
        (.breastLesionsUSG, BrEaSTFolder.matches, "case001.png images"),
    ]

    /// The layout (never `.auto`) and its folder or manifest. A folder that is not in the
    /// layout itself may hold it one level down (`BUS-UCLM.zip` unzips to `BUS-UCLM/`
    /// holding `images/`...): the one visible subfolder in that layout is used.
    public static func resolve(_ path: String, format: DatasetFormat) throws(DatasetError) -> (DatasetFormat, String) {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path: path) }
        let folder = FolderListing.isFolder(path)
        if format == .csv || (format == .auto && !folder && path.lowercased().hasSuffix(".csv")) {
            guard !folder else { throw .notADataset(path: path, reason: "a folder, not a CSV manifest") }
            return (.csv, path)
        }
        guard folder else {
            throw .notADataset(path: path, reason: format == .auto
                ? "a file; a dataset is a folder, or a manifest whose name ends in .csv (or give format: csv)"
                : "a \(format.rawValue) dataset is a folder (a manifest needs the csv format)")
        }
        let candidates = format == .auto ? folderLayouts : folderLayouts.filter { $0.format == format }
        func matching(_ dir: String) -> [DatasetFormat] { candidates.filter { $0.matches(dir, format != .auto) }.map(\.format) }
        if let found = matching(path).first { return (found, path) }
        var below: [(DatasetFormat, String)] = []
        for name in try FolderListing.entries(path) where FolderListing.isFolder(joinPath(path, name)) {
            if let found = matching(joinPath(path, name)).first { below.append((found, joinPath(path, name))) }
        }
        if below.count == 1 { return below[0] }
        if below.count > 1 {
            throw .notADataset(path: path, reason: "it holds several datasets (\(below.map { "\(($0.1 as NSString).lastPathComponent) (\($0.0.rawValue))" }.joined(separator: ", "))); give one as the site's path")
        }
        let wanted = candidates.map { "\($0.format.rawValue): \($0.signature)" }.joined(separator: "; ")
        throw .notADataset(path: path, reason: "neither it nor a folder in it is in the \(format == .auto ? "known layouts" : "layout asked for") (\(wanted))")
    }
}
