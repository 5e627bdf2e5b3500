import Shared

extension SafeTensorsReader {
    /// A replay input written anew: `metadata`, every tensor `keeping` accepts (the int32
    /// ones as int32), and `replacing`'s tensors instead of those of its names; read back as
    /// the file `file`. For tests that change one thing in a valid IN.
    public func replayInputCopy(metadata: [String: String] = [:], keeping: (String) -> Bool = { _ in true },
                                replacing: [String: Tensor] = [:], file: String) throws -> SafeTensorsReader {
        var w = SafeTensorsWriter(metadata: metadata)
        for name in names where keeping(name) {
            if let t = replacing[name] {
                try w.add(name, t)
            } else if name.hasSuffix("source") || name.hasSuffix("label") {
                let v = try int32Tensor(name)
                try w.add(name, shape: v.shape, int32: v.values)
            } else {
                try w.add(name, try tensor(name))
            }
        }
        return try SafeTensorsReader(bytes: w.encoded(), file: file)
    }
}
