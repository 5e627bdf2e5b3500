/// Why a dataset (a layout's folder or a CSV manifest) or one of its files could not be used.
/// Every case names the file or folder at fault; `line` is the manifest's 1-based line.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dataset folder or manifest does not exist.
    case notFound(path: String)
    /// The folder is not in the layout asked for (or in any layout, for `auto`).
    case notADataset(path: String, reason: String)
    /// A folder inside a BUSI dataset that is not a class: an unknown label.
    case unknownClassFolder(folder: String)
    /// A manifest row whose label is not normal/benign/malignant or 0/1/2.
    case unknownLabel(manifest: String, line: Int, label: String)
    /// An abnormal (benign or malignant) image without any mask.
    case missingMask(image: String, expected: String)
    /// A mask file whose image does not exist.
    case orphanMask(mask: String, expectedImage: String)
    /// A file that cannot be read or is not a readable PNG, JPEG or BMP image.
    case unreadable(file: String, reason: String)
    /// A mask whose size differs from its image's.
    case sizeMismatch(mask: String, maskWidth: Int, maskHeight: Int, image: String, width: Int, height: Int)
    /// A malformed manifest: header, quoting, column count, duplicate image.
    case badManifest(manifest: String, line: Int, reason: String)
    /// A layout's label table (CSV or .xlsx) lacks a column or has a bad row; `row` is the
    /// spreadsheet row or CSV line.
    case badTable(table: String, row: Int, reason: String)
    /// An image file that its layout's table has no row for.
    case notInTable(image: String, table: String)
    /// The manifest has a site column but no row for the requested site.
    case siteNotInManifest(manifest: String, site: String, available: [String])
    /// A dataset with no usable image.
    case empty(path: String)

    public var description: String {
        switch self {
        case let .notFound(path):
            return "\(path): no such dataset folder or manifest"
        case let .notADataset(path, reason):
            return "\(path): not a dataset: \(reason)"
        case let .unknownClassFolder(folder):
            return "\(folder): unknown class folder (BUSI layout has normal/, benign/ and malignant/)"
        case let .unknownLabel(manifest, line, label):
            return "\(manifest):\(line): unknown label \"\(label)\" (use normal, benign, malignant or 0, 1, 2)"
        case let .missingMask(image, expected):
            return "\(image): abnormal image without a mask (expected \(expected))"
        case let .orphanMask(mask, expectedImage):
            return "\(mask): mask without an image (expected \(expectedImage))"
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .sizeMismatch(mask, mw, mh, image, w, h):
            return "\(mask): mask is \(mw)x\(mh) but its image \(image) is \(w)x\(h)"
        case let .badManifest(manifest, line, reason):
            return "\(manifest):\(line): \(reason)"
        case let .badTable(table, row, reason):
            return "\(table), row \(row): \(reason)"
        case let .notInTable(image, table):
            return "\(image): no row for it in \(table)"
        case let .siteNotInManifest(manifest, site, available):
            return "\(manifest): no row for site \"\(site)\" (sites in the manifest: \(available.joined(separator: ", ")))"
        case let .empty(path):
            return "\(path): the dataset has no usable image"
        }
    }

    /// The file or folder the error is about.
    public var file: String {
        switch self {
        case let .notFound(p), let .notADataset(p, _), let .unknownClassFolder(p),
             let .unknownLabel(p, _, _), let .missingMask(p, _), let .orphanMask(p, _),
             let .unreadable(p, _), let .sizeMismatch(p, _, _, _, _, _), let .badManifest(p, _, _),
             let .badTable(p, _, _), let .notInTable(p, _), let .siteNotInManifest(p, _, _), let .empty(p):
            return p
        }
    }
}
