import Foundation
import Shared

/// What each fuzz harness (fuzz/, docs/FUZZING.md) feeds its input to, in the main package
/// so that the suite replays every committed corpus input and reproducer through the same
/// calls (`FuzzCorpusTests`) without the instrumented build. A parser must turn any input
/// into a value or an error: a crash here is the bug.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safeTensors = "FuzzSafeTensors"
    case lz4 = "FuzzLZ4"
    case image = "FuzzImage"
    case messages = "FuzzMessages"
    case config = "FuzzConfig"
    case csv = "FuzzCSV"
    case tensorBoard = "FuzzTensorBoard"

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .safeTensors:
            // The header, then every tensor's bytes as each reader converts them.
            guard let r = try? SafeTensorsReader(bytes: Data(bytes), file: "fuzz") else { return }
            for name in r.names {
                _ = try? r.tensor(name)
                _ = try? r.int32Tensor(name)
            }
        case .lz4:
            // As the bank, PARAMS pieces and cache entries arrive: under a size limit.
            _ = try? LZ4Frame.decompress(bytes, maxSize: 1 << 20)
            _ = try? LZ4Frame.decompressFloats(bytes, maxCount: 1 << 18)
        case .image:
            if let image = try? ImageFile.decode(bytes, name: "fuzz", maxPixels: 1 << 20) { _ = image.maskValues() }
            _ = try? ImageFile.decodeRGB(bytes, name: "fuzz", maxPixels: 1 << 20)
        case .messages:
            Self.message(bytes)
        case .config:
            let text = String(decoding: bytes, as: UTF8.self)
            let base = URL(fileURLWithPath: "/nonexistent-fuzz")
            _ = try? ClusterConfig.parse(yaml: text, source: "fuzz.yaml", baseDirectory: base)
            _ = try? SweepPlan.parse(yaml: text, source: "fuzz.yaml", baseDirectory: base)
        case .csv:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? CSV.parse(text)
            _ = try? CSV.parse(text, separator: "\t")
        case .tensorBoard:
            let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fuzz-events-\(getpid())")
            guard (try? Data(bytes).write(to: file)) != nil else { return }
            _ = try? TensorBoardEvents.read(file)
        }
    }

    /// What a socket delivers: the first byte picks the part (the fixed header, or one
    /// payload kind), the rest is its bytes.
    static func message(_ all: [UInt8]) {
        guard let kind = all.first else { return }
        let bytes = Array(all.dropFirst())
        switch kind % 12 {
        case 0: _ = try? MessageHeader.decode(bytes)
        case 1: _ = try? Hello(decoding: bytes)
        case 2: _ = try? Welcome(decoding: bytes)
        case 3: _ = try? ReadyPayload(decoding: bytes)
        case 4: _ = try? ErrorPayload(decoding: bytes)
        case 5: _ = try? TaskPayload(decoding: bytes)
        case 6: _ = try? ParamsPayload(decoding: bytes)
        case 7: _ = try? GradPayload(decoding: bytes)
        case 8: _ = try? BankPayload.decode(bytes)
        case 9: _ = try? TextPayload.decode(bytes, "fuzz")
        case 10: _ = try? ExtractPayload(decoding: bytes)
        default: _ = try? FeaturesPayload(decoding: bytes)
        }
    }
}
