import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see the old file or the whole new one, never a part: the
/// bytes go to a temporary file in the destination's folder, which is renamed over the
/// destination. Checkpoints, PNGs, feature-cache entries, replay outputs and the
/// coordinator's endpoint file all go through here.
public enum AtomicFile {
    /// The open temporary file, for `write(to:durable:_:)`'s body.
    public struct Output {
        let fd: Int32

        /// Writes every byte (retrying short writes and EINTR); returns an error text or nil.
        public func write(_ bytes: UnsafeRawBufferPointer) -> String? {
            var done = 0
            while done < bytes.count {
                guard let base = bytes.baseAddress else { return nil }
                let written = Foundation.write(fd, base + done, bytes.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    return "write: \(AtomicFile.errnoText())"
                }
                done += written
            }
            return nil
        }
    }

    /// Creates the temporary file, lets `body` write it (body returns an error text or
    /// nil) and renames it over `url`. `durable` also fsyncs the file and then its folder
    /// (checkpoints, anything that cannot be recomputed): without it a power loss may lose
    /// the new file, but never leaves a torn one. Returns an error text, or nil.
    public static func write(to url: URL, durable: Bool, _ body: (Output) -> String?) -> String? {
        let path = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o644))
        guard fd >= 0 else { return "cannot create \(temporary): \(errnoText())" }
        var failure = body(Output(fd: fd))
        if durable, failure == nil, fsync(fd) != 0 { failure = "fsync: \(errnoText())" }
        if close(fd) != 0, failure == nil { failure = "close: \(errnoText())" }
        if failure == nil, rename(temporary, path) != 0 { failure = "rename: \(errnoText())" }
        if let failure {
            unlink(temporary)
            return failure + freeSpaceNote(failure, folder: url.deletingLastPathComponent())
        }
        // Make the rename itself durable; a failure here leaves a complete file, so it is ignored.
        if durable {
            let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
            if directory >= 0 {
                _ = fsync(directory)
                _ = close(directory)
            }
        }
        return nil
    }

    /// `bytes` as the whole file.
    public static func write(_ bytes: [UInt8], to url: URL, durable: Bool) -> String? {
        write(to: url, durable: durable) { out in bytes.withUnsafeBytes { out.write($0) } }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// For a failure that is a full disk (or quota): how much space the file system of
    /// `folder` has left, so the message says what to free.
    public static func freeSpaceNote(_ failure: String, folder: URL) -> String {
        let full = [ENOSPC, EDQUOT].map { String(cString: strerror($0)) }
        guard full.contains(where: failure.contains) else { return "" }
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return "" }
        return " (\(UInt64(info.f_bavail) * UInt64(info.f_frsize)) bytes free on the file system of \(folder.path))"
    }
}
