import Foundation

/// One site's images: a BUSI-layout folder or the rows of a CSV manifest for that site.
/// (A site is one device or hospital; several sites are several datasets.)
///
/// Entries are in a deterministic order: by class (normal, benign, malignant), then by the
/// number in the file name, then by path.
public struct Dataset: Sendable {
    /// The site's name.
    public var name: String
    /// The folder or manifest it was loaded from.
    public var root: String
    public var entries: [DatasetEntry]
    /// Problems that were skipped because of `Options.skipBad` (empty otherwise): one per
    /// skipped image or stray file, each naming the file.
    public var skipped: [DatasetError]

    public init(name: String, root: String, entries: [DatasetEntry], skipped: [DatasetError] = []) {
        self.name = name; self.root = root; self.entries = entries; self.skipped = skipped
    }

    public struct Options: Sendable {
        /// Skip bad images and stray files, listing them in `skipped`, instead of
        /// failing on the first one.
        public var skipBad: Bool
        /// Decode every image and mask while loading (catches corrupt data, slower).
        /// Without it, only the PNG headers are read: existence, format and sizes.
        public var decodeAll: Bool
        /// A mask pixel is lesion when its value in [0, 1] is at least this (0 < t <= 1).
        public var maskThreshold: Float

        public init(skipBad: Bool = false, decodeAll: Bool = false, maskThreshold: Float = 0.5) {
            precondition(maskThreshold > 0 && maskThreshold <= 1, "mask threshold must be in (0, 1]")
            self.skipBad = skipBad; self.decodeAll = decodeAll; self.maskThreshold = maskThreshold
        }
    }

    /// How a dataset is laid out.
    public enum Layout: String, Sendable, CaseIterable {
        /// BUSI's folders: `benign/benign (N).png` with `benign (N)_mask.png`.
        case busi
        /// A CSV manifest `image,mask,label,site`.
        case csv

        /// A path ending in `.csv` is a manifest, anything else a BUSI folder.
        public static func detect(_ path: String) -> Layout {
            path.lowercased().hasSuffix(".csv") ? .csv : .busi
        }
    }

    /// Loads site `name` from `path`: a folder in BUSI layout, or a CSV manifest (its rows
    /// for this site, or all rows when it names no sites). `layout` nil detects it from the
    /// path (`Layout.detect`).
    public static func load(site name: String, from path: String, layout: Layout? = nil,
                            options: Options = Options()) throws(DatasetError) -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound(path: path)
        }
        switch layout ?? Layout.detect(path) {
        case .busi:
            guard isDirectory.boolValue else {
                throw .notADataset(path: path, reason: "a BUSI dataset is a folder (a manifest needs the csv layout or a .csv name)")
            }
            return try BUSIFolder.load(site: name, folder: path, options: options)
        case .csv:
            guard !isDirectory.boolValue else {
                throw .notADataset(path: path, reason: "a folder, not a CSV manifest")
            }
            return try CSVManifest.load(site: name, manifest: path, options: options)
        }
    }

    /// The number of images of each class.
    public var counts: [LesionClass: Int] {
        var c: [LesionClass: Int] = [:]
        for e in entries { c[e.label, default: 0] += 1 }
        return c
    }

    /// The entries of one class, in dataset order.
    public func entries(of label: LesionClass) -> [DatasetEntry] {
        entries.filter { $0.label == label }
    }

    /// Sorts entries into the dataset order.
    static func sorted(_ entries: [DatasetEntry]) -> [DatasetEntry] {
        entries.sorted { NaturalOrder.precedes(($0.label, $0.relativePath), ($1.label, $1.relativePath)) }
    }
}

/// Collects problems: throws the first one, or with `skipBad` keeps them all.
struct DatasetProblems {
    let skipBad: Bool
    var skipped: [DatasetError] = []

    mutating func report(_ error: DatasetError) throws(DatasetError) {
        guard skipBad else { throw error }
        skipped.append(error)
    }

    /// Checks an entry's files (headers, or full decode) and returns it, or reports the
    /// problem and returns nil.
    mutating func verified(_ entry: DatasetEntry, decode: Bool) throws(DatasetError) -> DatasetEntry? {
        do {
            try Self.verify(entry, decode: decode)
            return entry
        } catch {
            try report(error)
            return nil
        }
    }

    static func verify(_ entry: DatasetEntry, decode: Bool) throws(DatasetError) {
        if decode {
            _ = try entry.load()
            return
        }
        let size = try imageSize(entry.imagePath)
        for mask in entry.maskPaths {
            let m = try imageSize(mask)
            guard m == size else {
                throw .sizeMismatch(mask: mask, maskWidth: m.width, maskHeight: m.height,
                                    image: entry.imagePath, width: size.width, height: size.height)
            }
        }
    }

    /// The size an image file declares (Formats' `ImageFile.size`), its failure as a dataset error.
    static func imageSize(_ path: String) throws(DatasetError) -> (width: Int, height: Int) {
        do { return try ImageFile.size(of: path) } catch { throw .unreadable(file: error.file, reason: error.reason) }
    }
}
