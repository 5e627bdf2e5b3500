/// A received message: its validated header and payload.
public struct Envelope: Sendable {
    public var header: MessageHeader
    public var payload: [UInt8]
}

/// One received multipart message, before validation, with the sender's routing id
/// (on a ROUTER socket).
public struct Incoming: Sendable {
    public var sender: [UInt8]
    public var message: Result<Envelope, WireError>
}

extension ZMQSocket {
    /// Sends header + payload, prefixed by `recipient`'s routing id on a ROUTER socket.
    public func send(_ type: MessageType, runID: UInt64, step: UInt64 = 0, blockStart: UInt32 = 0,
                     blockCount: UInt32 = 0, payload: [UInt8] = [], to recipient: [UInt8]? = nil) throws(WireError) {
        let header = MessageHeader(type: type, runID: runID, step: step, blockStart: blockStart,
                                   blockCount: blockCount, payload: payload)
        try send(header, payload: payload, to: recipient)
    }

    /// Sends a message whose header (and so its payload CRC) was made earlier: one
    /// message going to many peers is checksummed once.
    @discardableResult
    public func send(_ header: MessageHeader, payload: [UInt8], to recipient: [UInt8]? = nil, wait: Bool = true) throws(WireError) -> Bool {
        var frames = [header.encoded(), payload]
        if let recipient { frames.insert(recipient, at: 0) }
        return try send(frames, wait: wait)
    }

    /// Receives one message and validates its framing, header, length and CRC. A message
    /// that fails is returned as a failure (with the sender, so it can be counted), never
    /// thrown: hostile input must not stop a loop. `routed` is true on a ROUTER socket.
    public func receiveEnvelope(routed: Bool, wait: Bool) throws(WireError) -> Incoming? {
        guard var frames = try receive(wait: wait) else { return nil }
        var sender = [UInt8]()
        if routed {
            guard !frames.isEmpty else { return Incoming(sender: [], message: .failure(.badFrameCount(0))) }
            sender = frames.removeFirst()
        }
        guard frames.count == 2 else { return Incoming(sender: sender, message: .failure(.badFrameCount(frames.count))) }
        do {
            let header = try MessageHeader.decode(frames[0])
            try header.validate(payload: frames[1])
            return Incoming(sender: sender, message: .success(Envelope(header: header, payload: frames[1])))
        } catch {
            return Incoming(sender: sender, message: .failure(error))
        }
    }
}
