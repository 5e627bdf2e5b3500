import Foundation
import Logging

/// What a `CapturingLogHandler` was given, in order.
final class LogRecords: @unchecked Sendable {
    struct Entry: Equatable {
        var level: Logger.Level
        var message: String
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    var entries: [Entry] { lock.lock(); defer { lock.unlock() }; return stored }

    func append(_ entry: Entry) { lock.lock(); stored.append(entry); lock.unlock() }
}

/// A log handler that keeps every message instead of printing it, for tests of what is
/// logged: `Logger(label: "x") { _ in CapturingLogHandler(records: records) }`.
struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(records: LogRecords) { self.records = records }

    func log(event: LogEvent) {
        records.append(.init(level: event.level, message: event.message.description))
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
