/// What report.html shows beyond report.md, gathered by the command that evaluates: where
/// the run came from, its training curves and what its data check found.
public struct ReportExtras: Sendable {
    /// One site's data check, in brief (`ultraad data check` has the whole).
    public struct DataSite: Sendable {
        public var name: String
        public var format: String
        /// Images per class, in class order.
        public var classCounts: [Int]
        public var groups: Int
        public var skipped: Int
        public var duplicateGroups: Int
        public var labelConflicts: Int
        /// Test images left out because they share a patient or duplicate group with a shot.
        public var excludedFromTest: Int

        public init(name: String, format: String, classCounts: [Int], groups: Int, skipped: Int, duplicateGroups: Int,
                    labelConflicts: Int, excludedFromTest: Int) {
            self.name = name; self.format = format; self.classCounts = classCounts; self.groups = groups
            self.skipped = skipped; self.duplicateGroups = duplicateGroups; self.labelConflicts = labelConflicts
            self.excludedFromTest = excludedFromTest
        }
    }

    /// (what, value) rows: config digest, backbone, seed, sites, shots, steps, ...
    public var provenance: [(key: String, value: String)]
    public var curves: [LineChart]
    public var data: [DataSite]

    public init(provenance: [(key: String, value: String)] = [], curves: [LineChart] = [], data: [DataSite] = []) {
        self.provenance = provenance; self.curves = curves; self.data = data
    }
}
