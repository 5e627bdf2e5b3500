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

struct Demo: PlannedCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate two sites, train on one with local workers, evaluate on both, write a report. (planned)")
    static let plannedIn = "the data, simulator and demo issue"
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}

struct Prepare: PlannedCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw few-shot support sets and cache frozen CLIP features for a config. (planned)")
    static let plannedIn = "the distributed runtime issue"
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}

struct Evaluate: PlannedCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on test sites and write report.md. (planned)")
    static let plannedIn = "the data, simulator and demo issue"
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}

struct Run: PlannedCommand {
    static let configuration = CommandConfiguration(
        abstract: "prepare, train and evaluate in one go for a cluster.yaml. (planned)")
    static let plannedIn = "the distributed runtime issue"
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}

struct CrossSite: PlannedCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosssite",
        abstract: "Train on each site, test on every site: the domain-shift matrix. (planned)")
    static let plannedIn = "the data, simulator and demo issue"
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}
