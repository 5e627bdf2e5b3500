/// Why an evaluation report could not be computed, written or read. Every case names the
/// site and image, or the file, at fault.
public enum ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An image's prediction does not fit its site (shape, label, NaN, probabilities).
    case invalidEvaluation(site: String, image: String, reason: String)
    /// The sites or names handed to the report do not describe one report.
    case invalidArgument(String)
    /// A report file or folder could not be written.
    case cannotWrite(file: String, reason: String)
    /// A metrics file could not be read or is not one this version understands.
    case cannotRead(file: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidEvaluation(site, image, reason): return "site \(site), image \(image): \(reason)"
        case let .invalidArgument(reason): return "evaluation report: \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        case let .cannotRead(file, reason): return "\(file): cannot read: \(reason)"
        }
    }
}
