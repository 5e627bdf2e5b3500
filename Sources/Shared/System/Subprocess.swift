import Foundation

/// Running another program to completion.
public enum Subprocess {
    /// Runs `executable` with `arguments`; returns its exit status and its standard output
    /// and error together. `environment` replaces the inherited environment when given.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let environment { p.environment = environment }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
