import Formats

/// The message types of the protocol (docs/PROTOCOL.md).
public enum MessageType: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 1, welcome = 2, bank = 3, ready = 4, task = 5, grad = 6
    case extract = 7, features = 8, heartbeat = 9, bye = 10, error = 11, params = 12
    case route = 13, segment = 14, part = 15, sum = 16, fetch = 17, views = 18

    public var description: String {
        switch self {
        case .hello: return "HELLO"
        case .welcome: return "WELCOME"
        case .bank: return "BANK"
        case .ready: return "READY"
        case .task: return "TASK"
        case .grad: return "GRAD"
        case .extract: return "EXTRACT"
        case .features: return "FEATURES"
        case .heartbeat: return "HEARTBEAT"
        case .bye: return "BYE"
        case .error: return "ERROR"
        case .params: return "PARAMS"
        case .route: return "ROUTE"
        case .segment: return "SEGMENT"
        case .part: return "PART"
        case .sum: return "SUM"
        case .fetch: return "FETCH"
        case .views: return "VIEWS"
        }
    }
}

/// The fixed 48-byte header frame that starts every message, little-endian:
///
///     0  magic        4 bytes "UAD\u{1}"
///     4  version      u16     protocol version
///     6  type         u16     MessageType
///     8  run id       u64     0 before WELCOME
///     16 step         u64
///     24 block start  u32     first chunk of the block
///     28 block count  u32     chunks in the block
///     32 length       u64     payload bytes (the second frame)
///     40 crc32c       u32     CRC-32C of the payload
///     44 reserved     u32     zero
public struct MessageHeader: Equatable, Sendable {
    public static let magic: [UInt8] = [0x55, 0x41, 0x44, 0x01]   // "UAD\1"
    public static let protocolVersion: UInt16 = 10
    public static let size = 48

    public var type: MessageType
    public var runID: UInt64
    public var step: UInt64
    public var blockStart: UInt32
    public var blockCount: UInt32
    public var payloadLength: UInt64
    public var crc: UInt32

    public init(type: MessageType, runID: UInt64, step: UInt64 = 0, blockStart: UInt32 = 0,
                blockCount: UInt32 = 0, payload: [UInt8]) {
        self.type = type; self.runID = runID; self.step = step
        self.blockStart = blockStart; self.blockCount = blockCount
        self.payloadLength = UInt64(payload.count)
        self.crc = CRC32C.checksum(payload)
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.size)
        for b in Self.magic { w.u8(b) }
        w.u16(Self.protocolVersion)
        w.u16(type.rawValue)
        w.u64(runID); w.u64(step)
        w.u32(blockStart); w.u32(blockCount)
        w.u64(payloadLength); w.u32(crc); w.u32(0)
        return w.bytes
    }

    /// Strict decoding: size, magic, version, type; the payload's length and CRC are
    /// checked by `validate(payload:)`.
    public static func decode(_ frame: [UInt8]) throws(WireError) -> MessageHeader {
        guard frame.count == size else { throw .badSize(frame.count) }
        guard Array(frame[0..<4]) == magic else { throw .badMagic }
        var r = ByteReader(frame, offset: 4)
        let version = try r.u16("version")
        guard version == protocolVersion else { throw .badVersion(version) }
        let raw = try r.u16("type")
        guard let type = MessageType(rawValue: raw) else { throw .unknownType(raw) }
        var h = MessageHeader(type: type, runID: try r.u64("run id"), payload: [])
        h.step = try r.u64("step")
        h.blockStart = try r.u32("block start")
        h.blockCount = try r.u32("block count")
        h.payloadLength = try r.u64("length")
        h.crc = try r.u32("crc")
        return h
    }

    public func validate(payload: [UInt8]) throws(WireError) {
        guard payloadLength == UInt64(payload.count) else {
            throw .badLength(declared: payloadLength, actual: payload.count)
        }
        guard CRC32C.checksum(payload) == crc else { throw .badChecksum }
    }
}

/// Why a message was rejected. `kind` groups them for the once-per-kind log line.
public enum WireError: Error, CustomStringConvertible, Equatable {
    case badFrameCount(Int)
    case badSize(Int)
    case badMagic
    case badVersion(UInt16)
    case unknownType(UInt16)
    case badLength(declared: UInt64, actual: Int)
    case badChecksum
    case wrongRun(UInt64)
    case unexpected(String)
    case malformed(String)
    case socket(String)

    public var kind: String {
        switch self {
        case .badFrameCount: return "frame count"
        case .badSize: return "header size"
        case .badMagic: return "magic"
        case .badVersion: return "protocol version"
        case .unknownType: return "message type"
        case .badLength: return "payload length"
        case .badChecksum: return "CRC"
        case .wrongRun: return "run id"
        case .unexpected: return "unexpected message"
        case .malformed: return "malformed payload"
        case .socket: return "socket"
        }
    }

    public var description: String {
        switch self {
        case .badFrameCount(let n): return "expected a header frame and a payload frame, got \(n) frames"
        case .badSize(let n): return "header frame of \(n) bytes, expected \(MessageHeader.size)"
        case .badMagic: return "bad magic: not an UltraAD message"
        case .badVersion(let v): return "protocol version \(v), this build speaks \(MessageHeader.protocolVersion)"
        case .unknownType(let t): return "unknown message type \(t)"
        case let .badLength(d, a): return "header declares \(d) payload bytes, frame has \(a)"
        case .badChecksum: return "payload CRC-32C mismatch"
        case .wrongRun(let r): return "message for run \(r), not this run"
        case .unexpected(let m): return m
        case .malformed(let m): return "malformed payload: \(m)"
        case .socket(let m): return "socket error: \(m)"
        }
    }
}
