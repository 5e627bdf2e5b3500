import ArgumentParser

/// A command that is designed (DESIGN.md) but not built yet. Running it says so and which
/// issue builds it, rather than pretending.
struct NotBuiltYet: Error, CustomStringConvertible {
    let command: String
    let issue: String
    var description: String {
        "`ultraad \(command)` is not built yet (planned in: \(issue)). See README.md for what works today."
    }
}

/// Planned commands accept any arguments so that `--help` and a bare run both work.
protocol PlannedCommand: ParsableCommand {
    static var plannedIn: String { get }
    var arguments: [String] { get }
}

extension PlannedCommand {
    func run() throws {
        throw NotBuiltYet(command: Self._commandName, issue: Self.plannedIn)
    }
}
