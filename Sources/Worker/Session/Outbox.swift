import Foundation
import Shared

/// Messages a worker thread has finished (GRAD, PART, FEATURES, ERROR), waiting for the socket
/// thread to send them. ZeroMQ sockets belong to one thread each, so the finishing thread
/// cannot send on the DEALER itself: it queues the message here and wakes the socket
/// thread with an empty frame on an inproc PAIR. The message itself never crosses a
/// socket twice (a 10 MB gradient used to be copied through the PAIR).
final class Outbox: @unchecked Sendable {
    /// The socket thread's end: poll it, then `take()`.
    let wakeups: ZMQSocket
    private let context: ZMQContext
    private let endpoint: String
    private let lock = NSLock()
    private var messages: [Message] = []

    /// Where a finished message goes: the coordinator, or member `index` of the relay
    /// step `route` (this worker itself included: its own segment's PART).
    enum Recipient: Sendable {
        case coordinator
        case member(route: UInt64, index: Int)
    }

    struct Message {
        var header: MessageHeader
        var payload: [UInt8]
        var to: Recipient
    }

    /// Binds the socket thread's end (call on the socket thread).
    init(context: ZMQContext, name: String) throws {
        self.context = context
        endpoint = "inproc://\(name)"
        wakeups = try ZMQSocket(context, .pair)
        try wakeups.bind(endpoint)
    }

    /// The finishing thread's end (call on that thread, once). Without it the worker
    /// cannot work at all, so failing to open it ends the process.
    func connectSender(_ threadName: String) -> ZMQSocket {
        guard let socket = try? ZMQSocket(context, .pair), (try? socket.connect(endpoint)) != nil else {
            FileHandle.standardError.write(Data("ultraad-worker: cannot open the \(threadName) thread's socket\n".utf8))
            exit(70)
        }
        return socket
    }

    /// Queues a finished message and wakes the socket thread (on the finishing thread).
    func post(_ header: MessageHeader, _ payload: [UInt8], to recipient: Recipient = .coordinator, via sender: ZMQSocket) {
        lock.lock()
        messages.append(Message(header: header, payload: payload, to: recipient))
        lock.unlock()
        _ = try? sender.send([[]])
    }

    /// The messages posted so far, oldest first, after draining the wake-ups (on the
    /// socket thread, when `wakeups` polls readable).
    func take() throws -> [Message] {
        while try wakeups.receive(wait: false) != nil {}
        lock.lock()
        defer { lock.unlock() }
        let out = messages
        messages = []
        return out
    }
}
