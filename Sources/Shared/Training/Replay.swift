import Foundation

/// The replay contract of docs/METHOD.md: one worker computation from a file, so any run can be
/// reproduced and checked offline (`ultraad-worker replay --in IN --out OUT`).
public struct ReplayCase: Sendable {
    public var config: HeadConfig
    public var parameters: ParameterSet
    public var bank: MemoryBank
    public var chunk: ChunkInput
}

public enum ReplayError: Error, CustomStringConvertible {
    case file(SafeTensorsError)
    case input(file: String, ModelError)

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case let .input(file, e): return "\(file): \(e)"
        }
    }
}

extension ReplayCase {
    /// Reads IN. The variant comes from the metadata `ablate`, tau and the leaky slope from
    /// `temperature` and `leaky_slope` (absent: 0.07 and 0.01), the head's sizes from the
    /// tensors' shapes: d from frozen.T0, the layers from the `query.U.{l}` names, D and P
    /// from the first one, r from `adapter.{l}.w1`, C from frozen.Pt. Every tensor is then
    /// checked against them; a parameter of a switched-off component is an error.
    public init(reading reader: SafeTensorsReader) throws(ReplayError) {
        let file = reader.file
        func tensor(_ name: String, _ expected: [Int]) throws(ReplayError) -> Tensor {
            guard reader.contains(name) else { throw .input(file: file, .missing(name: name, expected: expected)) }
            let t: Tensor
            do { t = try reader.tensor(name) } catch { throw .file(error) }
            guard expected.isEmpty || t.shape == expected else {
                throw .input(file: file, .shape(name: name, got: t.shape, expected: expected))
            }
            return t
        }
        func ints(_ name: String, count: Int) throws(ReplayError) -> [Int32] {
            guard reader.contains(name) else { throw .input(file: file, .missing(name: name, expected: [count])) }
            let v: (shape: [Int], values: [Int32])
            do { v = try reader.int32Tensor(name) } catch { throw .file(error) }
            guard v.shape == [count] else { throw .input(file: file, .shape(name: name, got: v.shape, expected: [count])) }
            return v.values
        }

        // The variant (docs/METHOD.md, "Ablations"): metadata `ablate`, absent for the full method.
        let ablate: [HeadComponent]
        do { ablate = try HeadComponent.parseList(reader.metadata["ablate"] ?? "") } catch { throw .input(file: file, error) }
        for name in reader.names {
            if let removed = ablate.first(where: { $0.parameterPrefix.map(name.hasPrefix) ?? false }) {
                throw .input(file: file, .invalid("\(name) is a parameter of \(removed.rawValue), which metadata ablate switches off: remove the tensor or the name"))
            }
        }
        let layers = reader.names.compactMap { name -> Int? in
            let parts = name.split(separator: ".")
            guard parts.count == 3, parts[0] == "query", parts[1] == "U" else { return nil }
            return Int(parts[2])
        }.sorted()
        guard let first = layers.first else {
            throw .input(file: file, .invalid("no query.U.{l} tensors: cannot tell which layers are adapted"))
        }
        if let twice = zip(layers, layers.dropFirst()).first(where: { $0 == $1 })?.0 {
            throw .input(file: file, .invalid("two query.U.{l} tensors name layer \(twice) (a number written two ways, such as 6 and 06)"))
        }
        let t0 = try tensor("frozen.T0", [])
        guard t0.rank == 2, t0.shape[0] == 2 else {
            throw .input(file: file, .shape(name: "frozen.T0", got: t0.shape, expected: [2, -1]))
        }
        let d = t0.shape[1]
        let u0: [Int]
        do { u0 = try reader.entry("query.U.\(first)").shape } catch { throw .file(error) }
        guard u0.count == 3 else { throw .input(file: file, .shape(name: "query.U.\(first)", got: u0, expected: [-1, -1, -1])) }
        let (q, p, width) = (u0[0], u0[1], u0[2])
        // r from the first adapter (any rank does without adapters: nothing has that shape).
        var rank = 1
        if !ablate.contains(.patchAdapter) {
            let w1 = try tensor("adapter.\(first).w1", [])
            guard w1.rank == 2 else { throw .input(file: file, .shape(name: "adapter.\(first).w1", got: w1.shape, expected: [width, -1])) }
            rank = w1.shape[1]
        }
        let pt = try tensor("frozen.Pt", [])
        guard pt.rank == 2 else { throw .input(file: file, .shape(name: "frozen.Pt", got: pt.shape, expected: [-1, d])) }
        var config = HeadConfig(jointDim: d, visionWidth: width, layers: layers,
                                adapterRank: rank, classes: pt.shape[0])
        config.ablate = ablate
        // tau and the leaky slope: metadata `temperature` and `leaky_slope`, absent: the defaults.
        func constant(_ key: String, _ current: Float, _ rule: String, _ valid: (Float) -> Bool) throws(ReplayError) -> Float {
            guard let text = reader.metadata[key] else { return current }
            guard let v = Float(text), v.isFinite, valid(v) else {
                throw .input(file: file, .invalid("metadata \(key) is \"\(text)\", not \(rule)"))
            }
            return v
        }
        config.temperature = try constant("temperature", config.temperature, "a positive number") { $0 > 0 }
        config.leakySlope = try constant("leaky_slope", config.leakySlope, "a number at least 0 and below 1") { $0 >= 0 && $0 < 1 }
        // Sizes read from shapes alone (a tensor with a zero dimension holds no bytes, so its
        // other dimensions can be anything): trusted as far as the file's bytes hold every
        // parameter, at 2 bytes a value at the least (F16, BF16).
        if let problem = ParameterLayout.problem(head: config, limit: reader.dataSize / 2) {
            throw .input(file: file, .invalid("the head the shapes imply (d \(d), D \(width), r \(rank), C \(pt.shape[0]), layers \(layers)) has no parameters that fit in the file: \(problem)"))
        }

        var params = ParameterSet(zeros: ParameterLayout(head: config))
        for e in params.layout.entries { params.set(e.name, try tensor(e.name, e.shape)) }

        let ft = try tensor("frozen.Ft", [])
        let n = ft.shape.first ?? 0
        let bank = MemoryBank(t0: t0, pt: pt, ft: ft, lt: try tensor("frozen.Lt", [n, config.classes]),
                              source: try ints("frozen.source", count: n))
        do { try bank.validate(for: config) } catch { throw .input(file: file, error) }

        let g = try tensor("query.g", [q, d])
        // The big per-query features are read as slices straight from the file (one copy).
        func perQuery(_ name: String, _ expected: [Int]) throws(ReplayError) -> [Tensor] {
            guard reader.contains(name) else { throw .input(file: file, .missing(name: name, expected: expected)) }
            let shape: [Int]
            do { shape = try reader.entry(name).shape } catch { throw .file(error) }
            guard shape == expected else { throw .input(file: file, .shape(name: name, got: shape, expected: expected)) }
            do { return try reader.slices(name) } catch { throw .file(error) }
        }
        let us = try layers.map { l throws(ReplayError) in try perQuery("query.U.\(l)", [q, p, width]) }
        let zs = try layers.map { l throws(ReplayError) in try perQuery("query.Z0.\(l)", [q, p, d]) }
        let mask = try tensor("query.mask", [])
        guard mask.rank == 3, mask.shape[0] == q else {
            throw .input(file: file, .shape(name: "query.mask", got: mask.shape, expected: [q, -1, -1]))
        }
        let labels = try ints("query.label", count: q)
        let sources = try ints("query.source", count: q)
        let queries = (0..<q).map { i in
            ChunkInput.Query(features: ImageFeatures(g: g.slice(i), u: us.map { $0[i] }, z0: zs.map { $0[i] }),
                             mask: mask.slice(i), label: Int(labels[i]), source: sources[i])
        }
        let chunk = ChunkInput(queries: queries)
        do { try chunk.validate(for: config) } catch { throw .input(file: file, error) }
        self.init(config: config, parameters: params, bank: bank, chunk: chunk)
    }

    /// The mean loss over the queries and its gradient (the contract's OUT).
    public func run() -> (loss: Double, parts: LossParts, gradients: ParameterSet) {
        let q = chunk.queries.count
        let (parts, grads) = UltraADHead.lossAndGradient(parameters: parameters, config: config, bank: bank,
                                                         chunk: chunk, scale: 1 / Float(q))
        return (parts.total / Double(q), parts, grads)
    }

    /// OUT: `loss` [1] and `grad.NAME` for every trainable parameter of the variant. Atomic but not
    /// fsynced: a replay can always be run again.
    public static func write(loss: Double, gradients: ParameterSet, to url: URL) throws(SafeTensorsError) {
        var w = SafeTensorsWriter(metadata: ["contract": "ultraad-replay-1"])
        try w.add("loss", Tensor(shape: [1], data: [Float(loss)]))
        try w.add(gradients, prefix: "grad.")
        try w.write(to: url, durable: false)
    }
}
