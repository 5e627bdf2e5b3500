import Foundation

/// One site's images, read from one of the public layouts or a CSV manifest (the Datasets
/// target reads them). A site is one device or hospital; several sites are several datasets.
///
/// Entries are in a deterministic order: by class (normal, benign, malignant), then by the
/// number in the file name, then by path.
public struct Dataset: Sendable {
    /// The site's name.
    public var name: String
    /// The dataset folder (after looking one level down) or the manifest it was loaded from.
    public var root: String
    /// The layout it was read as (`sites[].format`'s value, never `auto`).
    public var format: String
    public var entries: [DatasetEntry]
    /// Images left out: problems skipped because of `Options.skipBad`, and pairs a layout's
    /// own rule skips (a BUS-UCLM mask of another shape). One per file, each naming it.
    public var skipped: [DatasetError]
    /// Images the dataset labels in two ways (a BUS-UCLM mask colour that disagrees with
    /// INFO.csv): relative paths, one list per conflict. They keep the table's label.
    public var labelConflicts: [[String]]
    /// Masks resized to their image by `MaskFit` (relative image paths).
    public var resizedMasks: [String]
    /// Each image's size as its header declares it, by relative path (read once, when the
    /// dataset is loaded and its files checked).
    public var imageSizes: [String: (width: Int, height: Int)]

    public init(name: String, root: String, format: String, entries: [DatasetEntry], skipped: [DatasetError] = [],
                labelConflicts: [[String]] = [], resizedMasks: [String] = [],
                imageSizes: [String: (width: Int, height: Int)] = [:]) {
        self.name = name; self.root = root; self.format = format; self.entries = entries; self.skipped = skipped
        self.labelConflicts = labelConflicts; self.resizedMasks = resizedMasks; self.imageSizes = imageSizes
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

    /// The classes the site has at least one image of, in class order.
    public var classesPresent: [LesionClass] { LesionClass.allCases.filter { c in entries.contains { $0.label == c } } }

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
    package static func sorted(_ entries: [DatasetEntry]) -> [DatasetEntry] {
        entries.sorted { NaturalOrder.precedes(($0.label, $0.relativePath), ($1.label, $1.relativePath)) }
    }
}

