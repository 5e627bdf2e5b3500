/// A command's failure, as the user reads it: what is wrong, naming the file, key or
/// message at fault.
struct CoordinatorError: Error, CustomStringConvertible {
    let description: String

    static func run(_ message: String) -> CoordinatorError { CoordinatorError(description: message) }
}
