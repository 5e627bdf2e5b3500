import Formats
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parameters and gradients exchanged with workers on the coordinator's own machine
/// through files in /dev/shm, instead of 10 MB of PARAMS or GRAD pieces per worker per
/// step. Over ipc:// every byte of a message is copied four times (encode, into the
/// kernel, out of it, out of libzmq's buffer); through shared memory it is written once
/// and read once. The message then only names the file and the CRC-32C of the values,
/// which the reader checks after copying them out.
public enum SharedMemory {
    static let folder = "/dev/shm"

    /// What identifies the /dev/shm this process sees: the kernel's boot id and the
    /// device and inode of /dev/shm ("" where there is none). Two processes with the same
    /// value can open each other's files there; containers on one kernel differ in the
    /// device of their /dev/shm. A worker started with `--no-shared-memory` offers ""
    /// in HELLO instead (everything over the socket).
    public static let namespace: String = {
        #if os(Linux)
        var st = stat()
        guard stat(folder, &st) == 0,
              let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return "" }
        return "\(boot.trimmingCharacters(in: .whitespacesAndNewlines))/\(st.st_dev)/\(st.st_ino)"
        #else
        return ""
        #endif
    }()

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// The two kinds of file: the coordinator's parameters, a worker's block gradient.
    public enum Kind: String, Sendable { case params, grad }

    static func isOurs(_ path: String, kind: Kind) -> Bool {
        let name = (path as NSString).lastPathComponent
        return (path as NSString).deletingLastPathComponent == folder && name.hasPrefix("ultraad-")
            && name.hasSuffix(".\(kind.rawValue)") && !name.contains("/")
    }

    /// Removes files left by processes that no longer run (killed before they could
    /// remove their own).
    static func removeStaleFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix("ultraad-") && (name.hasSuffix(".params") || name.hasSuffix(".grad")) {
            let parts = name.split(separator: "-")
            guard parts.count >= 3, let pid = Int32(parts[1]), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink("\(folder)/\(name)")
        }
    }
}

/// The writing side: /dev/shm/ultraad-PID-RUN.KIND, holding the last vector published
/// (mode 0600: only this user's processes can read it). Removed on deinit. One thread
/// writes it at a time (the coordinator's loop, or a worker's compute thread).
public final class SharedVectorWriter: @unchecked Sendable {
    public let path: String
    public let count: Int
    /// CRC-32C of the last published values' bytes.
    public private(set) var crc: UInt32 = 0
    private let map: UnsafeMutableRawPointer

    public init(kind: SharedMemory.Kind, runID: UInt64, count: Int) throws(WireError) {
        SharedMemory.removeStaleFiles()
        path = "\(SharedMemory.folder)/ultraad-\(getpid())-\(runID).\(kind.rawValue)"
        self.count = count
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else { throw .socket("shared memory \(path): \(SharedMemory.errnoText())") }
        defer { close(fd) }
        // The space is reserved now (a full /dev/shm, e.g. a container's 64 MB default, is
        // an error here and the caller falls back to the socket), not found missing later
        // by a write into the mapping, which would be a SIGBUS.
        let reserved = posix_fallocate(fd, 0, off_t(max(1, count * 4)))
        guard reserved == 0 else {
            unlink(path)
            throw .socket("shared memory \(path): cannot reserve \(count * 4) bytes: \(String(cString: strerror(reserved)))")
        }
        guard let m = mmap(nil, max(1, count * 4), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            let e = SharedMemory.errnoText()
            unlink(path)
            throw .socket("shared memory \(path): \(e)")
        }
        map = m
    }

    deinit {
        munmap(map, max(1, count * 4))
        unlink(path)
        SharedMemory.removeStaleFiles()   // e.g. of a worker killed during this run
    }

    /// Puts `values` in the file.
    public func publish(_ values: [Float]) {
        precondition(values.count == count, "shared memory: \(values.count) values for \(count)")
        crc = values.withUnsafeBytes { CRC32C.copy($0, to: map) }
    }
}

/// The reading side: another process's file, mapped read-only.
public final class SharedVectorReader {
    public let path: String
    public let count: Int
    private let map: UnsafeRawPointer

    public init(kind: SharedMemory.Kind, path: String, count: Int) throws(WireError) {
        // Only files named as writers name them are opened: a message cannot point the
        // reader at any other file.
        guard SharedMemory.isOurs(path, kind: kind) else {
            throw .malformed("shared memory: \(path) is not an UltraAD .\(kind.rawValue) file in \(SharedMemory.folder)")
        }
        self.path = path
        self.count = count
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .socket("shared memory \(path): \(SharedMemory.errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) == max(1, count * 4) else {
            throw .malformed("shared memory \(path): \(st.st_size) bytes, expected \(count * 4)")
        }
        guard let m = mmap(nil, max(1, count * 4), PROT_READ, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            throw .socket("shared memory \(path): \(SharedMemory.errnoText())")
        }
        map = UnsafeRawPointer(m)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: map), max(1, count * 4)) }

    /// A copy of the values, if their CRC-32C is `crc` (else the file was being rewritten
    /// or is not what the coordinator published: nil).
    public func read(crc: UInt32) -> [Float]? {
        var actual: UInt32 = 0
        let values = [Float](unsafeUninitializedCapacity: count) { out, n in
            let bytes = UnsafeRawBufferPointer(start: map, count: count * 4)
            actual = out.baseAddress.map { CRC32C.copy(bytes, to: $0) } ?? CRC32C.checksum(bytes)
            n = count
        }
        return actual == crc ? values : nil
    }
}
