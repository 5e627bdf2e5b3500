/// Why simulated sites could not be written or a sites.yaml read; every case names the
/// file or folder.
public enum SimulatorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The output would replace existing files and overwriting was not asked for (or the
    /// folder is not a previous simulation's, so it is never removed).
    case outputExists(path: String, hint: String)
    case cannotWrite(file: String, reason: String)
    case unreadable(file: String, reason: String)
    /// Not a sites.yaml UltraAD can read.
    case invalidSitesFile(file: String, reason: String)
    case unsupportedVersion(file: String, version: Int)

    public var description: String {
        switch self {
        case let .outputExists(path, hint): return "\(path): already exists; \(hint)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .invalidSitesFile(file, reason): return "\(file): not a valid sites.yaml: \(reason)"
        case let .unsupportedVersion(file, version):
            return "\(file): sites.yaml version \(version) is not supported (this build reads version \(SitesFile.version))"
        }
    }
}
