import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// A TCP relay between a worker and the coordinator that records every byte, so a test can
/// check what crosses the network.
final class RecordingRelay: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let upstream: UInt16
    private let lock = NSLock()
    private var recorded = [UInt8]()

    init(upstreamPort: UInt16) throws {
        upstream = upstreamPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listener, 8) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getsockname(listener, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        let relay = self
        Thread { relay.acceptLoop() }.start()
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }

    var bytes: [UInt8] { lock.lock(); defer { lock.unlock() }; return recorded }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = Self.loopback(port: upstream)
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if ok != 0 { Glibc.close(client); Glibc.close(server); continue }
            Thread { [self] in pump(from: client, to: server) }.start()
            Thread { [self] in pump(from: server, to: client) }.start()
        }
    }

    private func pump(from a: Int32, to b: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(a, &buffer, buffer.count)
            if n <= 0 { shutdown(b, Int32(SHUT_WR)); return }
            lock.lock(); recorded.append(contentsOf: buffer[0..<n]); lock.unlock()
            var off = 0
            while off < n {
                let w = buffer[off..<n].withUnsafeBytes { write(b, $0.baseAddress, n - off) }
                if w <= 0 { return }
                off += w
            }
        }
    }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); Glibc.close(listener) }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard needle.count <= count, let first = needle.first else { return false }
        var i = 0
        while i + needle.count <= count {
            if self[i] == first && Array(self[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }
}

final class CurveTests: ProcessTestCase {
    func keys() throws -> URL {
        let k = dir.appendingPathComponent("keys")
        let (status, output) = try runProcess(ultraad, ["keys", "generate", "--out", k.path, "--workers", "2"])
        XCTAssertEqual(status, 0, output)
        return k
    }

    /// A 64-byte run of the bank as it would cross the wire unencrypted (LZ4 frame).
    func bankNeedle() throws -> [UInt8] {
        let prepared = try PreparedPool.read(from: poolFile, cache: nil, featureDType: .float32)
        let frame = try LZ4Frame.compress(BankPayload.encode(prepared.bank), what: "bank")
        return Array(frame[(frame.count / 2)..<(frame.count / 2 + 64)])
    }

    func config(_ run: String, curve keys: URL?) throws -> URL {
        var text = """
            version: 1
            run: {folder: \(run), seed: 7}
            sites: [{name: A, path: data/site-A}]
            train_sites: [A]
            model: {adapter_rank: 4}
            train: {steps: \(steps), chunk_size: 2, learning_rate: 0.005, checkpoint_every: 5}
            coordinator:
              bind: "tcp://127.0.0.1:*"
              heartbeat: 200ms
              worker_timeout: 2s

            """
        if let keys {
            text += """
                  curve:
                    secret_key: \(keys.path)/coordinator.key_secret
                    public_key: \(keys.path)/coordinator.key
                    authorized_workers: [\(keys.path)/worker-1.key]

                """
        }
        let url = dir.appendingPathComponent("\(run).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Runs a coordinator and a worker through the relay; returns the run and the recording.
    func relayedRun(_ name: String, keys: URL?, extraWorkers: [[String]] = [],
                    procs: Processes) throws -> (URL, [UInt8]) {
        let run = dir.appendingPathComponent(name)
        let coordinator = try procs.start(ultraad, ["train", "--config", try config(name, curve: keys).path,
                                                    "--pool", poolFile.path, "--workers", "1"], log: "\(name).log")
        XCTAssertTrue(eventually(20) { endpoint(run) != nil }, procs.log("\(name).log"))
        let ep = try XCTUnwrap(endpoint(run))
        let port = try XCTUnwrap(UInt16(ep.split(separator: ":").last!))
        let relay = try RecordingRelay(upstreamPort: port)
        defer { relay.stop() }
        for (i, args) in extraWorkers.enumerated() {
            try procs.start(worker, ["--connect", ep, "--idle-exit", "4"] + args, log: "\(name)-extra\(i).log")
        }
        Thread.sleep(forTimeInterval: 0.5)   // the intruders try first
        var workerArgs = ["--connect", "tcp://127.0.0.1:\(relay.port)", "--delay-per-block-ms", "20", "--idle-exit", "10"]
        if let keys { workerArgs += ["--server-key", "\(keys.path)/coordinator.key", "--key", "\(keys.path)/worker-1.key_secret"] }
        try procs.start(worker, workerArgs, log: "\(name)-worker.log")
        XCTAssertTrue(waitForExit(coordinator, timeout: 60), procs.log("\(name).log"))
        XCTAssertEqual(coordinator.terminationStatus, 0, procs.log("\(name).log"))
        return (run, relay.bytes)
    }

    func testCurveEncryptsTheBankAndAdmitsOnlyListedWorkers() throws {
        let reference = try inProcessReference()
        let k = try keys()
        let needle = try bankNeedle()
        let procs = Processes(dir: dir)
        defer { procs.stopAll() }

        // Control: without CURVE the bank crosses the relay as it is.
        let (_, plain) = try relayedRun("plain", keys: nil, procs: procs)
        XCTAssertTrue(plain.contains(subsequence: needle), "the needle must be findable in a plaintext run")

        let unlisted = try CurveKeys.readPublic(k.appendingPathComponent("worker-2.key"))
        let (run, recorded) = try relayedRun("curve", keys: k, extraWorkers: [
            ["--server-key", "\(k.path)/coordinator.key", "--key", "\(k.path)/worker-2.key_secret"],   // not authorized
            [],                                                                                      // no keys at all
        ], procs: procs)
        XCTAssertGreaterThan(recorded.count, 10_000)
        XCTAssertFalse(recorded.contains(subsequence: needle), "bank plaintext crossed the network under CURVE")
        XCTAssertEqual(try finalParameters(run), reference)
        let log = procs.log("curve.log")
        XCTAssertTrue(log.contains("refused a connection: public key \(unlisted)"), log)
        XCTAssertEqual(try metrics(run).last?["bank_sends"] as? Int, 1, "only the authorized worker joined")
        XCTAssertFalse(procs.log("curve-extra0.log").contains("joined run"), procs.log("curve-extra0.log"))
        XCTAssertFalse(procs.log("curve-extra1.log").contains("joined run"), procs.log("curve-extra1.log"))
    }

    func testKeyFilesWithWrongPermissionsOrLengthsAreClearErrors() throws {
        let k = try keys()
        let secret = k.appendingPathComponent("worker-1.key_secret")
        let attributes = try FileManager.default.attributesOfItem(atPath: secret.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertNoThrow(try CurveKeys.readSecret(secret))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secret.path)
        XCTAssertThrowsError(try CurveKeys.readSecret(secret)) {
            XCTAssertEqual($0 as? CurveKeyError, .permissions(file: secret.path, mode: 0o644))
            XCTAssertTrue("\($0)".contains("mode 644") && "\($0)".contains("chmod 600"), "\($0)")
        }
        let short = k.appendingPathComponent("short.key")
        try "abc\n".write(to: short, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CurveKeys.readPublic(short)) {
            guard case let .invalid(file, _)? = $0 as? CurveKeyError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, short.path)
            XCTAssertTrue("\($0)".contains("40 Z85 characters, found 3"), "\($0)")
        }
        // The worker refuses to start with the loose secret key, naming the file.
        let (status, output) = try runProcess(worker, ["--connect", "tcp://127.0.0.1:1", "--server-key",
                                                       k.appendingPathComponent("coordinator.key").path, "--key", secret.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains(secret.path) && output.contains("chmod 600"), output)
    }
}
