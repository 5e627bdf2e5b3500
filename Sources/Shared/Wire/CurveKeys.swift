internal import CZMQ
import Foundation

/// CURVE key pairs as Z85 text (40 characters for 32 bytes), and their files:
/// `NAME.key` holds the public key, `NAME.key_secret` the secret key (mode 0600).
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    /// A fresh key pair from libzmq (libsodium underneath).
    public static func generate() throws(CurveKeyError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else {
            throw .unavailable("zmq_curve_keypair: \(String(cString: zmq_strerror(zmq_errno()))) (is libzmq built with CURVE?)")
        }
        return CurveKeyPair(publicKey: z85String(pub), secretKey: z85String(sec))
    }

    /// The pair of a secret key (the public key is derived from it).
    public init(secretKey: String) throws(CurveKeyError) {
        var pub = [CChar](repeating: 0, count: 41)
        guard CurveKeys.isZ85Key(secretKey), zmq_curve_public(&pub, secretKey) == 0 else {
            throw .invalid(file: "", "not a Z85 CURVE secret key")
        }
        self.publicKey = z85String(pub)
        self.secretKey = secretKey
    }

    init(publicKey: String, secretKey: String) { self.publicKey = publicKey; self.secretKey = secretKey }

    /// Writes NAME.key (mode 0644) and NAME.key_secret (mode 0600) into `folder`.
    public func write(to folder: URL, name: String) throws(CurveKeyError) {
        try CurveKeys.writeFile(folder.appendingPathComponent("\(name).key"), publicKey, mode: 0o644)
        try CurveKeys.writeFile(folder.appendingPathComponent("\(name).key_secret"), secretKey, mode: 0o600)
    }
}

public enum CurveKeyError: Error, CustomStringConvertible, Equatable {
    case unavailable(String)
    case unreadable(file: String, String)
    case invalid(file: String, String)
    case permissions(file: String, mode: Int)

    public var description: String {
        switch self {
        case .unavailable(let m): return m
        case let .unreadable(f, m): return "\(f): cannot read key file: \(m)"
        case let .invalid(f, m): return "\(f): \(m)"
        case let .permissions(f, mode):
            return "\(f): secret key file has mode \(String(mode, radix: 8)); others can read it. Run: chmod 600 \(f)"
        }
    }
}

public enum CurveKeys {
    static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    static func isZ85Key(_ s: String) -> Bool { s.count == 40 && s.allSatisfy { z85Alphabet.contains($0) } }

    /// The 32 bytes of a Z85 key.
    public static func decode(_ z85: String) -> [UInt8]? {
        guard isZ85Key(z85) else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&out, z85) == nil ? nil : out
    }

    static func readKey(_ url: URL, what: String) throws(CurveKeyError) -> String {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(file: url.path, error.localizedDescription)
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard isZ85Key(key) else {
            throw .invalid(file: url.path, "expected a \(what) of 40 Z85 characters, found \(key.count) characters; make keys with `ultraad keys generate`")
        }
        return key
    }

    /// A public key file (NAME.key).
    public static func readPublic(_ url: URL) throws(CurveKeyError) -> String {
        try readKey(url, what: "CURVE public key")
    }

    /// A secret key file (NAME.key_secret): refused if group or others may read it.
    public static func readSecret(_ url: URL) throws(CurveKeyError) -> CurveKeyPair {
        let mode: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        } catch { throw .unreadable(file: url.path, error.localizedDescription) }
        guard mode & 0o077 == 0 else { throw .permissions(file: url.path, mode: mode & 0o777) }
        let secret = try readKey(url, what: "CURVE secret key")
        do { return try CurveKeyPair(secretKey: secret) } catch { throw .invalid(file: url.path, "not a valid CURVE secret key") }
    }

    static func writeFile(_ url: URL, _ key: String, mode: Int) throws(CurveKeyError) {
        let path = url.path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode_t(mode))
        guard fd >= 0 else { throw .unreadable(file: path, String(cString: strerror(errno))) }
        defer { close(fd) }
        fchmod(fd, mode_t(mode))
        let bytes = Array((key + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw .unreadable(file: path, String(cString: strerror(errno))) }
    }
}

extension ZMQSocket {
    /// Makes this socket a CURVE server with `keys`; clients are checked by the ZAP
    /// handler of `domain` (set before bind).
    public func makeCurveServer(_ keys: CurveKeyPair, domain: String) throws(WireError) {
        try setInt(ZMQ_CURVE_SERVER, 1)
        try setBytes(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8))
        try setBytes(ZMQ_ZAP_DOMAIN, Array(domain.utf8))
    }

    /// Makes this socket a CURVE client of the server with public key `server` (before connect).
    public func makeCurveClient(_ keys: CurveKeyPair, serverPublicKey server: String) throws(WireError) {
        try setBytes(ZMQ_CURVE_SERVERKEY, Array(server.utf8))
        try setBytes(ZMQ_CURVE_PUBLICKEY, Array(keys.publicKey.utf8))
        try setBytes(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8))
    }
}

/// The ZeroMQ authentication (ZAP, RFC 27) handler: libzmq asks it, for every CURVE
/// handshake, whether the client's public key may connect. It answers from a list (a
/// worker's relay socket changes it with each ROUTE). A ROUTER, not a REP, so that an
/// answer can wait: with `holdUnknown`, a key not (yet) on the list is held that long
/// before it is refused, and admitted as soon as `allow` puts it there (another member can
/// connect to a relay before that relay has the ROUTE naming it; libzmq does not try a
/// refused handshake again).
public final class ZAPHandler {
    let socket: ZMQSocket
    private var allowed: Set<[UInt8]>
    private let holdUnknown: Double
    /// Requests waiting for their key to be allowed: the frames to answer, the key, since when.
    private var held: [(frames: [[UInt8]], key: [UInt8], since: Date)] = []
    public private(set) var refused = 0
    public private(set) var admitted = 0

    /// Binds the handler's endpoint in `context`; do this before the server socket binds.
    /// `holdUnknown`: seconds a key not on the list waits for `allow` (0: refused at once).
    public init(_ context: ZMQContext, allowedPublicKeys: [String], holdUnknown: Double = 0) throws(WireError) {
        socket = try ZMQSocket(context, .router)
        try socket.bind("inproc://zeromq.zap.01")
        allowed = Set(allowedPublicKeys.compactMap(CurveKeys.decode))
        self.holdUnknown = holdUnknown
    }

    public var pollable: ZMQSocket { socket }

    /// From now on, admits these public keys (Z85) only; `serve` answers held requests.
    public func allow(_ publicKeys: [String]) { allowed = Set(publicKeys.compactMap(CurveKeys.decode)) }

    /// Answers every new request and every held one whose key is now allowed or whose wait
    /// is over; returns the public keys refused (Z85) for logging.
    public func serve(now: Date = Date()) throws(WireError) -> [String] {
        var refusedKeys = [String]()
        func answer(_ frames: [[UInt8]], _ ok: Bool, key: [UInt8], mechanism: String) throws(WireError) {
            if ok { admitted += 1 } else {
                refused += 1
                refusedKeys.append(key.count == 32 ? z85(key) : "(\(mechanism), no key)")
            }
            // routing id, delimiter, then version, request id, status code, status text, user id, metadata
            try socket.send([frames[0], [], Array("1.0".utf8), frames[3], Array((ok ? "200" : "400").utf8),
                             Array((ok ? "OK" : "key not authorized").utf8), [], []])
        }
        var stillHeld: [(frames: [[UInt8]], key: [UInt8], since: Date)] = []
        for h in held {
            if allowed.contains(h.key) { try answer(h.frames, true, key: h.key, mechanism: "CURVE") }
            else if now.timeIntervalSince(h.since) >= holdUnknown { try answer(h.frames, false, key: h.key, mechanism: "CURVE") }
            else { stillHeld.append(h) }
        }
        held = stillHeld
        while let frames = try socket.receive(wait: false) {
            // routing id, delimiter, version, request id, domain, address, identity, mechanism, credentials...
            guard frames.count >= 8 else { continue }
            let mechanism = String(decoding: frames[7], as: UTF8.self)
            let key = frames.count >= 9 ? frames[8] : []
            if mechanism == "CURVE", allowed.contains(key) {
                try answer(frames, true, key: key, mechanism: mechanism)
            } else if mechanism == "CURVE", key.count == 32, holdUnknown > 0 {
                held.append((frames, key, now))
            } else {
                try answer(frames, false, key: key, mechanism: mechanism)
            }
        }
        return refusedKeys
    }

    private func z85(_ key: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: 41)
        _ = zmq_z85_encode(&out, key, key.count)
        return z85String(out)
    }
}

/// A NUL-terminated C character buffer as a String.
func z85String(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
