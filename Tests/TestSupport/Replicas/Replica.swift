import Shared

/// What a generated replica holds, as its layout's loader should read it. Paths are
/// relative to the dataset folder (`folder`).
public struct Replica: Sendable {
    public struct Image: Sendable, Equatable {
        public var label: LesionClass
        /// The group the loader should give it (`DatasetEntry.group`).
        public var group: String
        /// Lesion pixels of the merged mask.
        public var lesionPixels: Int
    }

    /// The `sites[].format` it is in.
    public var format: String
    /// The path a user would give (the folder as it unzips).
    public var path: String
    /// The dataset folder inside it, which relative paths start from.
    public var folder: String
    public var images: [String: Image] = [:]
    /// Planted duplicate groups (relative paths; exact and near).
    public var duplicates: [[String]] = []
    /// Images labelled two ways, as the loader should report them.
    public var labelConflicts: [[String]] = []
    /// Images the layout's own rule leaves out (relative paths).
    public var skipped: [String] = []
    /// Images whose mask the loader resizes.
    public var resizedMasks: [String] = []

    mutating func add(_ relative: String, _ label: LesionClass, group: String? = nil, mask: [Float]) {
        images[relative] = Image(label: label, group: group ?? relative, lesionPixels: mask.filter { $0 >= 0.5 }.count)
    }

    public func count(_ label: LesionClass) -> Int { images.values.filter { $0.label == label }.count }
}
