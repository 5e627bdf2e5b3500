import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a TensorBoard event file of scalars, byte for byte what PyTorch's
/// `torch.utils.tensorboard.SummaryWriter` writes for the same `add_scalar` calls
/// (docs/FORMATS.md, "TensorBoard event files"; checked against a PyTorch fixture by
/// TensorBoardWriterTests). No dependency: the protobuf messages are encoded by hand
/// (ProtobufWriter, TensorBoardEvent) and framed as TFRecords (TensorBoardRecord).
///
/// The file is `FOLDER/events.out.tfevents.<10-digit wall time>.<host>.<pid>.<n>`, PyTorch's
/// pattern: `n` counts the writers this process has made, from 0. Its first event carries
/// the file version; `add` queues one Event per scalar in memory and `flush` appends the
/// queued records to the file, so the file holds whole records up to the last flush (a
/// crash in the middle of a flush may leave a cut record at the end, which TensorBoard
/// ignores; a failed write is cut back to the last whole record). A flush reaches the
/// operating system, not the disk (no fsync): a process crash keeps it, a power loss may not.
///
/// One owner at a time (not Sendable); `deinit` flushes what is queued and closes the file.
public final class TensorBoardWriter {
    /// The event file.
    public let url: URL
    private var fd: Int32
    /// Records not yet in the file.
    private var pending: [UInt8] = []
    /// Bytes of whole records in the file.
    private var written: Int64 = 0

    /// Queued bytes past which `add` flushes by itself.
    static let autoFlushBytes = 1 << 20

    /// Writers made by this process: the last part of the file name.
    private static let counter = Atomic<Int>(0)

    /// Creates FOLDER (and its parents) and FOLDER/events.out.tfevents.<time>.<host>.<pid>.<n>,
    /// and writes the file-version event (at `wallTime`), as PyTorch does when a SummaryWriter
    /// is made. If that name is taken (a reused pid), the next `n` is tried.
    public init(folder: URL, wallTime: Double = Date().timeIntervalSince1970,
                hostname: String = TensorBoardWriter.hostname()) throws(TensorBoardError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(file: folder.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        var attempts = 0
        while true {
            let name = Self.fileName(wallTime: wallTime, hostname: hostname, pid: Int(getpid()),
                                     counter: Self.counter.add(1, ordering: .relaxed).oldValue)
            let candidate = folder.appendingPathComponent(name)
            let opened = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, mode_t(0o644))
            if opened >= 0 {
                url = candidate
                fd = opened
                break
            }
            let code = errno
            let reason = String(cString: strerror(code))
            attempts += 1
            guard code == EEXIST, attempts < 100 else { throw .cannotWrite(file: candidate.path, reason: reason) }
        }
        let first = TensorBoardEvent(wallTime: wallTime, fileVersion: TensorBoardEvent.fileVersion2,
                                     sourceWriter: TensorBoardEvent.pytorchSourceWriter)
        TensorBoardRecord.append(first.encoded(), to: &pending)
        try flush()
    }

    /// Queues one Event per scalar, in order, each at `step` and `wallTime`: what a
    /// sequence of PyTorch `add_scalar(tag, value, step, walltime)` calls writes.
    public func add(scalars: [(tag: String, value: Float)], step: Int,
                    wallTime: Double = Date().timeIntervalSince1970) throws(TensorBoardError) {
        guard fd >= 0 else { throw .cannotWrite(file: url.path, reason: "the writer is closed") }
        for scalar in scalars {
            let event = TensorBoardEvent(wallTime: wallTime, step: step,
                                         scalars: [.init(tag: scalar.tag, value: scalar.value)])
            TensorBoardRecord.append(event.encoded(), to: &pending)
        }
        if pending.count >= Self.autoFlushBytes { try flush() }
    }

    /// A session start at `step` (`TensorBoardEvent.sessionStart`): what PyTorch's
    /// `SummaryWriter(purge_step: step)` writes first; a resumed run starts its file so.
    public func addSessionStart(step: Int, wallTime: Double = Date().timeIntervalSince1970) throws(TensorBoardError) {
        guard fd >= 0 else { throw .cannotWrite(file: url.path, reason: "the writer is closed") }
        TensorBoardRecord.append(TensorBoardEvent(wallTime: wallTime, step: step, sessionStart: true).encoded(), to: &pending)
        try flush()
    }

    /// One scalar: PyTorch's `add_scalar`.
    public func add(tag: String, value: Float, step: Int,
                    wallTime: Double = Date().timeIntervalSince1970) throws(TensorBoardError) {
        try add(scalars: [(tag, value)], step: step, wallTime: wallTime)
    }

    /// Appends the queued records to the file. On failure the file is cut back to its last
    /// whole record and the records stay queued, so a later flush can retry them.
    public func flush() throws(TensorBoardError) {
        guard !pending.isEmpty else { return }
        guard fd >= 0 else { throw .cannotWrite(file: url.path, reason: "the writer is closed") }
        let failure: String? = pending.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return "write: " + Self.errnoText()
                }
                done += n
            }
            return nil
        }
        if let failure {
            _ = ftruncate(fd, off_t(written))
            throw .cannotWrite(file: url.path, reason: failure + AtomicFile.freeSpaceNote(failure, folder: url.deletingLastPathComponent()))
        }
        written += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file; later calls to `add` and `flush` throw. Closing twice is
    /// allowed.
    public func close() throws(TensorBoardError) {
        guard fd >= 0 else { return }
        defer {
            closeDescriptor(fd)
            fd = -1
        }
        try flush()
    }

    deinit {
        if fd >= 0 {
            try? flush()
            closeDescriptor(fd)
        }
    }

    /// PyTorch's `"events.out.tfevents.%010d.%s.%s.%s" % (time.time(), socket.gethostname(),
    /// os.getpid(), counter)`: the wall time truncated to whole seconds, zero-padded to 10
    /// digits. A `/` in the host name (which no host name has) becomes `_`, so the name
    /// stays in its folder.
    static func fileName(wallTime: Double, hostname: String, pid: Int, counter: Int) -> String {
        let seconds = wallTime.isFinite && abs(wallTime) < 1e18 ? Int64(wallTime) : 0
        let host = hostname.replacingOccurrences(of: "/", with: "_")
        return "events.out.tfevents." + String(format: "%010lld", seconds) + ".\(host).\(pid).\(counter)"
    }

    /// The host name as `gethostname(2)` gives it (Python's `socket.gethostname()`, which
    /// PyTorch puts in the file name), or "localhost" if it fails.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// close(2), out of reach of TensorBoardWriter.close's name.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
