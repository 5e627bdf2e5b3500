/// One `tensorboard.Event` (TensorFlow's `tensorflow.Event`, tensorboard/compat/proto/
/// event.proto), reduced to the fields event files of scalars use:
///
///     Event           wall_time double = 1; step int64 = 2;
///                     oneof what { file_version string = 3; summary Summary = 5;
///                                  session_log SessionLog = 7; ... }
///                     source_metadata SourceMetadata = 10
///     SourceMetadata  writer string = 1
///     Summary         repeated Value value = 1
///     Value           tag string = 1; oneof value { simple_value float = 2; ... }
///     SessionLog      status SessionStatus = 1 (START = 1)
///
/// Encoded the way protobuf (upb, which PyTorch's SummaryWriter goes through) does: fields in
/// number order, wall_time and step left out at 0 (proto3), file_version, summary,
/// source_metadata and simple_value always written when set (oneof or message fields have
/// presence: a 0.0 scalar is written).
public struct TensorBoardEvent: Equatable, Sendable {
    /// One Summary.Value with a simple_value.
    public struct Scalar: Equatable, Sendable {
        public var tag: String
        public var value: Float

        public init(tag: String, value: Float) {
            self.tag = tag
            self.value = value
        }
    }

    /// Seconds since 1970 (UTC).
    public var wallTime: Double
    public var step: Int
    /// The first event of a file: "brain.Event:2".
    public var fileVersion: String?
    /// SourceMetadata.writer: which library wrote the file (first event only).
    public var sourceWriter: String?
    /// The Summary's scalar values in order (values of other kinds, e.g. images or the
    /// tensor form of new-style scalars, are skipped when reading).
    public var scalars: [Scalar]
    /// A SessionLog START: TensorBoard drops the events of earlier files at this step and
    /// after (PyTorch's `SummaryWriter(purge_step:)` writes the same), so a resumed run's
    /// curves do not show the steps a crashed run wrote after its last checkpoint twice.
    public var sessionStart: Bool

    public init(wallTime: Double, step: Int = 0, fileVersion: String? = nil, sourceWriter: String? = nil,
                scalars: [Scalar] = [], sessionStart: Bool = false) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.sourceWriter = sourceWriter
        self.scalars = scalars
        self.sessionStart = sessionStart
    }

    /// The file version TensorBoard expects in the first event.
    public static let fileVersion2 = "brain.Event:2"

    /// What PyTorch (through tensorboard's EventFileWriter) puts in SourceMetadata.writer.
    /// We write the same so our files are byte for byte those of PyTorch; TensorBoard shows
    /// scalars without looking at it.
    public static let pytorchSourceWriter = "tensorboard.summary.writer.event_file_writer"

    /// The serialized message. At most one of `fileVersion` and a non-empty `scalars`
    /// (both are in Event's oneof `what`); an event with neither has no `what`.
    func encoded() -> [UInt8] {
        precondition(fileVersion == nil || scalars.isEmpty, "an Event holds a file version or a summary, not both")
        var w = ProtobufWriter()
        w.doubleIfNotDefault(1, wallTime)
        w.int64IfNotDefault(2, Int64(step))
        if let fileVersion { w.string(3, fileVersion) }
        if !scalars.isEmpty {
            w.message(5) { summary in
                for scalar in scalars {
                    summary.message(1) { value in
                        value.stringIfNotDefault(1, scalar.tag)
                        value.float(2, scalar.value)
                    }
                }
            }
        }
        if sessionStart { w.message(7) { log in log.int64(1, 1) } }   // status START (an enum: a varint)
        if let sourceWriter {
            w.message(10) { metadata in metadata.stringIfNotDefault(1, sourceWriter) }
        }
        return w.bytes
    }

    /// Reads a serialized Event; fields it does not know are skipped. A known field of the
    /// wrong wire type is an error.
    init(decoding bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) {
        self.init(wallTime: 0)
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case let (1, .fixed64(bits)): wallTime = Double(bitPattern: bits)
            case let (2, .varint(raw)): step = Int(Int64(bitPattern: raw))
            case (3, _): fileVersion = try value.string("Event.file_version")
            case (5, _): scalars += try Self.scalars(inSummary: value.payload("Event.summary"))
            case (7, _): sessionStart = try Self.isStart(sessionLog: value.payload("Event.session_log"))
            case (10, _): sourceWriter = try Self.writer(inSourceMetadata: value.payload("Event.source_metadata"))
            case (1, _), (2, _): throw ProtobufReader.Malformed(reason: "Event field \(field) has the wrong wire type")
            default: continue
            }
        }
    }

    private static func scalars(inSummary bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> [Scalar] {
        var scalars: [Scalar] = []
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            guard field == 1 else { continue }
            var tag = ""
            var simpleValue: Float?
            var valueReader = ProtobufReader(try value.payload("Summary.value"))
            while let (valueField, v) = try valueReader.next() {
                switch (valueField, v) {
                case (1, _): tag = try v.string("Summary.Value.tag")
                case let (2, .fixed32(bits)): simpleValue = Float(bitPattern: bits)
                case (2, _): throw ProtobufReader.Malformed(reason: "Summary.Value.simple_value is not fixed32")
                // Another member of the oneof `value` replaces simple_value.
                case (3...6, _), (8, _): simpleValue = nil
                default: continue
                }
            }
            if let simpleValue { scalars.append(Scalar(tag: tag, value: simpleValue)) }
        }
        return scalars
    }

    private static func isStart(sessionLog bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> Bool {
        var reader = ProtobufReader(bytes), start = false
        while let (field, value) = try reader.next() {
            if case let (1, .varint(status)) = (field, value) { start = status == 1 }
        }
        return start
    }

    private static func writer(inSourceMetadata bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> String {
        var writer = ""
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            if field == 1 { writer = try value.string("SourceMetadata.writer") }
        }
        return writer
    }
}
