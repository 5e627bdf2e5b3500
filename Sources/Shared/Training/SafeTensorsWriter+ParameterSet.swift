/// Writing a `ParameterSet` into a safetensors file (checkpoints, replay cases): here, in
/// Training, and not next to `ParameterSet` in Math, which knows no file format.
extension SafeTensorsWriter {
    /// Adds every tensor of `set` as `PREFIX + name`, written straight from the flat buffer.
    public mutating func add(_ set: ParameterSet, prefix: String) throws(SafeTensorsError) {
        for e in set.layout.entries {
            try add(prefix + e.name, shape: e.shape, float32: set.values[e.offset..<(e.offset + e.count)])
        }
    }
}
