import Foundation

/// A one-line progress display on a terminal (and nothing elsewhere).
struct LineProgress {
    let label: String
    let isTerminal = isatty(STDERR_FILENO) == 1
    func callAsFunction(_ done: Int, _ total: Int) {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total)   ".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
