/// Why few-shot support sets could not be drawn, written, or reused from a shots.csv.
/// Every case names the file (and line) or the site at fault.
public enum ShotsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A site has fewer groups (patients, or images where it names none) of a class that
    /// can be drawn than the shots asked for; `images` is the class's image count.
    case notEnoughGroups(site: String, label: LesionClass, available: Int, requested: Int, images: Int)
    case unreadable(file: String, reason: String)
    case cannotWrite(file: String, reason: String)
    /// Bad header, quoting, column count, label, digest or a repeated shot.
    case malformed(file: String, line: Int, reason: String)
    /// The version line names a version this build does not read.
    case unsupportedVersion(file: String, line: Int, version: String)
    /// A shot's site is not among the loaded sites.
    case unknownSite(file: String, line: Int, site: String, known: [String])
    /// A shot's image is not (or no longer) part of its site's dataset.
    case notInDataset(file: String, line: Int, image: String, site: String)
    /// A shot's image file no longer exists or cannot be read.
    case missingImage(file: String, line: Int, image: String, reason: String)
    /// The image file changed since the shot was drawn.
    case digestMismatch(file: String, line: Int, image: String, expected: String, actual: String)
    /// The dataset now gives the image another class.
    case labelMismatch(file: String, line: Int, image: String, inFile: LesionClass, inDataset: LesionClass)

    public var description: String {
        switch self {
        case let .notEnoughGroups(site, label, available, requested, images):
            let what = available == images ? "\(available) \(label) image(s)"
                : "\(available) \(label) group(s) to draw from (patients or duplicate groups; \(images) image(s))"
            return "site \(site): \(what), fewer than the \(requested) shots per class asked for (fewshot.shots)"
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .cannotWrite(file, reason):
            return "\(file): cannot write: \(reason)"
        case let .malformed(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .unsupportedVersion(file, line, version):
            return "\(file):\(line): shots.csv version \(version) is not supported (this build reads version \(ShotsFile.version))"
        case let .unknownSite(file, line, site, known):
            return "\(file):\(line): site \"\(site)\" is not one of the loaded sites (\(known.joined(separator: ", ")))"
        case let .notInDataset(file, line, image, site):
            return "\(file):\(line): \(image) is not an image of site \(site) (removed, renamed or skipped as bad?)"
        case let .missingImage(file, line, image, reason):
            return "\(file):\(line): shot image \(image) cannot be read: \(reason)"
        case let .digestMismatch(file, line, image, expected, actual):
            return "\(file):\(line): shot image \(image) has changed (digest \(actual), shots.csv says \(expected)); draw new shots or restore the file"
        case let .labelMismatch(file, line, image, inFile, inDataset):
            return "\(file):\(line): shot image \(image) is \(inFile) in shots.csv but \(inDataset) in the dataset"
        }
    }
}
