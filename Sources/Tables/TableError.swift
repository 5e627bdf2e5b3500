/// Why a spreadsheet could not be read: the file, and a reason that names the part of the
/// workbook (and the line of its XML) where that is known.
public struct TableError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): cannot read the spreadsheet: \(reason)" }
}

/// A reason without the file: what the readers of one part throw; `Spreadsheet` adds the file.
struct Unreadable: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
