import Foundation

extension ClusterConfig {
    /// One entry of `sites:`: a dataset from one device or hospital.
    public struct SiteSettings: Equatable, Sendable, Codable {
        /// How the dataset is laid out (docs/DATASETS.md describes each layout).
        public enum Format: String, Equatable, Sendable, Codable, CaseIterable {
            /// Detected from the folder when the dataset is loaded (one level down too), or a
            /// CSV manifest when the path ends in `.csv`.
            case auto
            /// BUSI (Al-Dhabyani 2020): `benign/benign (N).png` with `benign (N)_mask.png`.
            case busi
            /// BUS-UCLM (Vallez 2025): `images/`, `masks/` (colour-coded) and `INFO.csv`.
            case busUCLM = "bus-uclm"
            /// BUS-BRA (Gomez-Flores 2024): `Images/`, `Masks/` and `bus_data.csv`.
            case busBRA = "bus-bra"
            /// BrEaST / Breast-Lesions-USG (Pawlowska 2024): one flat folder and an .xlsx table.
            case breastLesionsUSG = "breast-lesions-usg"
            /// UDIAT Dataset B (Yap 2017): `original/`, `GT/` and `DatasetB.xlsx`.
            case udiatB = "udiat-b"
            /// A CSV manifest `image,mask,label[,site][,patient]`, paths relative to the manifest.
            case csv

            /// The names cluster.yaml accepts, in the order the docs list them.
            public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
        }

        /// Unique among the sites; used by `train_sites`, `test_sites` and reports.
        public var name: String
        /// The dataset folder as it unzips (or the dataset folder inside it), or a `.csv` manifest.
        public var path: URL
        public var format: Format
        /// The layout's label table when it is not where the layout puts it (BrEaST's
        /// clinical .xlsx is a separate download); nil: looked up in the folder and its parent.
        public var table: URL?

        public init(name: String, path: URL, format: Format = .auto, table: URL? = nil) {
            self.name = name; self.path = path; self.format = format; self.table = table
        }
    }
}
