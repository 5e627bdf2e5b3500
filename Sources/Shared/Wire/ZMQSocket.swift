internal import CZMQ
import Foundation

/// A ZeroMQ context: one per process, shared by its sockets.
public final class ZMQContext: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer

    /// `ioThreads`: libzmq's background threads that move bytes between sockets and the
    /// network. With one, a peer's 10 MB message waits for the previous peer's; the
    /// coordinator uses more so that every worker's parameters and gradients travel at once.
    public init(ioThreads: Int = 1) {
        guard let ctx = zmq_ctx_new() else { preconditionFailure("zmq_ctx_new failed: out of memory") }
        raw = ctx
        if ioThreads != 1 { zmq_ctx_set(ctx, ZMQ_IO_THREADS, Int32(max(1, ioThreads))) }
    }

    deinit { zmq_ctx_term(raw) }
}

/// A ZeroMQ socket. Not thread-safe (ZeroMQ's rule): each socket belongs to one thread.
/// Only this file calls libzmq; everything above it sends and receives byte frames.
public final class ZMQSocket {
    public enum Kind { case router, dealer, pair, rep
        var raw: Int32 {
            switch self {
            case .router: return ZMQ_ROUTER
            case .dealer: return ZMQ_DEALER
            case .pair: return ZMQ_PAIR
            case .rep: return ZMQ_REP
            }
        }
    }

    let raw: UnsafeMutableRawPointer
    public let context: ZMQContext
    private let kind: Kind
    private var closed = false
    /// Message bytes sent and received so far: every frame but a ROUTER's routing
    /// identity (which addresses a peer and never crosses the wire). What the network
    /// carries adds ZMTP framing, CURVE's overhead, and TCP/IP headers.
    public private(set) var bytesSent = 0
    public private(set) var bytesReceived = 0

    public init(_ context: ZMQContext, _ kind: Kind) throws(WireError) {
        guard let s = zmq_socket(context.raw, kind.raw) else { throw Self.lastError("zmq_socket") }
        raw = s
        self.context = context
        self.kind = kind
        try setInt(ZMQ_LINGER, 0)
    }

    deinit { close() }

    public func close() {
        if !closed { zmq_close(raw); closed = true }
    }

    static func lastError(_ call: String) -> WireError {
        .socket("\(call): \(String(cString: zmq_strerror(zmq_errno())))")
    }

    public func setInt(_ option: Int32, _ value: Int32) throws(WireError) {
        var v = value
        guard zmq_setsockopt(raw, option, &v, MemoryLayout<Int32>.size) == 0 else { throw Self.lastError("zmq_setsockopt(\(option))") }
    }

    public func setInt64(_ option: Int32, _ value: Int64) throws(WireError) {
        var v = value
        guard zmq_setsockopt(raw, option, &v, MemoryLayout<Int64>.size) == 0 else { throw Self.lastError("zmq_setsockopt(\(option))") }
    }

    public func setBytes(_ option: Int32, _ value: [UInt8]) throws(WireError) {
        let rc = value.withUnsafeBytes { zmq_setsockopt(raw, option, $0.baseAddress, value.count) }
        guard rc == 0 else { throw Self.lastError("zmq_setsockopt(\(option))") }
    }

    /// The routing id a DEALER announces to the ROUTER (set before connect).
    public func setRoutingID(_ id: [UInt8]) throws(WireError) { try setBytes(ZMQ_ROUTING_ID, id) }
    /// Messages larger than this are dropped by libzmq before they reach us.
    public func setMaxMessageSize(_ bytes: Int64) throws(WireError) { try setInt64(ZMQ_MAXMSGSIZE, bytes) }
    /// ROUTER: fail sends to unknown peers instead of dropping them silently.
    public func setRouterMandatory() throws(WireError) { try setInt(ZMQ_ROUTER_MANDATORY, 1) }

    /// No limit on queued outgoing messages (sends never block or drop for a slow peer).
    public func setUnboundedSendQueue() throws(WireError) { try setInt(ZMQ_SNDHWM, 0) }

    /// Closing drops unsent messages at once.
    public func setNoLinger() throws(WireError) { try setInt(ZMQ_LINGER, 0) }

    public func bind(_ endpoint: String) throws(WireError) {
        guard zmq_bind(raw, endpoint) == 0 else { throw Self.lastError("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(WireError) {
        guard zmq_connect(raw, endpoint) == 0 else { throw Self.lastError("connect \(endpoint)") }
    }

    /// The endpoint actually bound (resolves tcp://host:* to the chosen port).
    public var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        _ = zmq_getsockopt(raw, ZMQ_LAST_ENDPOINT, &buffer, &size)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends one multipart message. Frames of 64 KiB or more are handed to libzmq without
    /// a copy (the array is retained until libzmq has sent it). With `wait` false nothing is
    /// sent and the result is false when the socket cannot take the message now (a DEALER
    /// with no connection to send on: its handshake was refused, or has not happened yet);
    /// libzmq queues the rest of a message whose first frame it took.
    @discardableResult
    public func send(_ frames: [[UInt8]], wait: Bool = true) throws(WireError) -> Bool {
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if !wait, i == 0 { flags |= ZMQ_DONTWAIT }
            var msg = zmq_msg_t()
            if frame.count >= 65536 {
                let box = Unmanaged.passRetained(FrameBox(frame))
                let data = box.takeUnretainedValue().baseAddress
                let rc = zmq_msg_init_data(&msg, data, frame.count, { _, hint in
                    if let hint { Unmanaged<FrameBox>.fromOpaque(hint).release() }
                }, box.toOpaque())
                guard rc == 0 else { box.release(); throw Self.lastError("zmq_msg_init_data") }
            } else {
                guard zmq_msg_init_size(&msg, frame.count) == 0 else { throw Self.lastError("zmq_msg_init_size") }
                if !frame.isEmpty {
                    frame.withUnsafeBytes { src in zmq_msg_data(&msg).copyMemory(from: src.baseAddress!, byteCount: frame.count) }
                }
            }
            while zmq_msg_send(&msg, raw, flags) < 0 {
                let err = zmq_errno()
                if err == EINTR { continue }
                if err == EAGAIN, i == 0, !wait { zmq_msg_close(&msg); return false }
                let e = Self.lastError("send")
                zmq_msg_close(&msg)
                throw e
            }
            if i > 0 || kind != .router { bytesSent += frame.count }
        }
        return true
    }

    /// Receives one whole multipart message; nil when `wait` is false and none is queued.
    public func receive(wait: Bool = true) throws(WireError) -> [[UInt8]]? {
        var frames = [[UInt8]]()
        var more: Int32 = 1
        while more != 0 {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let flags: Int32 = (wait || !frames.isEmpty) ? 0 : ZMQ_DONTWAIT
            while zmq_msg_recv(&msg, raw, flags) < 0 {
                let err = zmq_errno()
                if err == EINTR { continue }
                if err == EAGAIN && frames.isEmpty { return nil }
                throw Self.lastError("receive")
            }
            let n = zmq_msg_size(&msg)
            let data = zmq_msg_data(&msg)
            frames.append([UInt8](unsafeUninitializedCapacity: n) { dst, count in   // one pass: no zero fill
                if n > 0 { UnsafeMutableRawPointer(dst.baseAddress!).copyMemory(from: data!, byteCount: n) }
                count = n
            })
            more = zmq_msg_more(&msg)
        }
        bytesReceived += frames.dropFirst(kind == .router ? 1 : 0).reduce(0) { $0 + $1.count }
        return frames
    }

    /// Waits up to `timeout` seconds for any of `sockets` to have a message; returns which.
    public static func poll(_ sockets: [ZMQSocket], timeout: Double) throws(WireError) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let ms = Int(max(0, timeout) * 1000)
        while true {
            let rc = zmq_poll(&items, Int32(items.count), ms)
            if rc >= 0 { break }
            if zmq_errno() == EINTR { continue }
            throw lastError("poll")
        }
        return items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
    }
}

/// Keeps a frame's array alive, unmodified, until libzmq releases it, so libzmq reads the
/// array's own storage: no copy of large frames (gradients, parameters, the bank). A
/// native Swift array's storage does not move while it is held immutably.
private final class FrameBox {
    let bytes: [UInt8]
    let baseAddress: UnsafeMutableRawPointer
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        baseAddress = UnsafeMutableRawPointer(mutating: bytes.withUnsafeBytes { $0.baseAddress! })
    }
}
