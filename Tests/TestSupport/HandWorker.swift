import Foundation
import Shared

/// A worker played by a test on a real socket: the test sends what it likes and reads
/// what the coordinator answers.
final class HandWorker {
    let context = ZMQContext()
    let socket: ZMQSocket

    init(endpoint: String) throws {
        socket = try ZMQSocket(context, .dealer)
        try socket.connect(endpoint)
    }

    /// The next message from the coordinator other than a heartbeat (waits up to 20 s).
    func next() throws -> Envelope {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try ZMQSocket.poll([socket], timeout: 0.1)[0], let m = try socket.receiveEnvelope(routed: false, wait: false),
               case .success(let env) = m.message, env.header.type != .heartbeat {
                return env
            }
        }
        throw CocoaError(.fileReadUnknown)
    }
}
