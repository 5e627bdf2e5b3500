import Foundation

/// Where each named tensor lives inside one flat Float32 buffer.
///
/// Parameters, gradients and AdamW moments all share one layout, so that summing
/// gradients, stepping the optimizer and sending parameters over the wire are loops over
/// a single array, while the model reads each tensor by its docs/METHOD.md name.
public struct ParameterLayout: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let entries: [Entry]
    public let totalCount: Int
    private let index: [String: Int]

    public init(_ named: [(String, [Int])]) {
        var entries = [Entry]()
        var offset = 0
        var index = [String: Int]()
        for (name, shape) in named {
            precondition(index[name] == nil, "parameter \(name) named twice")
            index[name] = entries.count
            entries.append(Entry(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.entries = entries
        self.totalCount = offset
        self.index = index
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    public static func == (a: Self, b: Self) -> Bool { a.entries == b.entries }

    /// The trainable parameters of docs/METHOD.md, in a fixed order (the checkpoint's order),
    /// less those of the components the head switches off.
    public init(head c: HeadConfig) { self.init(Self.shapes(head: c)) }

    /// Why `c` has no layout, or nil: a size below 1, a layer number below 1 or named twice
    /// (two tensors of one name), or more parameters than `limit`. For heads whose sizes
    /// come from a file: `init(head:)` traps on the first two, and the count bounds what
    /// laying them out allocates (a reader whose file holds every parameter passes the
    /// number its bytes can hold).
    public static func problem(head c: HeadConfig, limit: Int = .max) -> String? {
        for (name, size) in [("jointDim", c.jointDim), ("visionWidth", c.visionWidth), ("adapterRank", c.adapterRank),
                             ("classes", c.classes)] where size < 1 {
            return "\(name) is \(size), not a positive size"
        }
        if let bad = c.layers.first(where: { $0 < 1 }) { return "layer \(bad) is not a block number (counted from 1)" }
        guard Set(c.layers).count == c.layers.count else { return "layers \(c.layers) name a layer twice" }
        var total = 0
        for (_, shape) in shapes(head: c) {
            var count = 1
            for size in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow, product <= limit else { return "more than \(limit) parameters" }
                count = product
            }
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow, sum <= limit else { return "more than \(limit) parameters" }
            total = sum
        }
        return nil
    }

    /// The names and shapes of `init(head:)`, in order.
    static func shapes(head c: HeadConfig) -> [(String, [Int])] {
        let d = c.jointDim, D = c.visionWidth, r = c.adapterRank
        var named: [(String, [Int])] = []
        if c.keeps(.learnedPrompt) { named.append(("prompt.offset", [2, d])) }
        if c.keeps(.imagePrompt) {
            named += [("meta.w1", [d, c.metaHidden]), ("meta.b1", [c.metaHidden]),
                      ("meta.w2", [c.metaHidden, d]), ("meta.b2", [d])]
        }
        if c.keeps(.patchAdapter) {
            for l in c.layers {
                named.append(("adapter.\(l).w1", [D, r]))
                named.append(("adapter.\(l).w2", [r, d]))
            }
        }
        if c.keeps(.fuse) { named += [("fuse.wq", [d, d]), ("fuse.wo", [d, d])] }
        if c.keeps(.miniNet) {
            named += [("mini.w1", [d, c.miniHidden]), ("mini.b1", [c.miniHidden]),
                      ("mini.w2", [c.miniHidden, d]), ("mini.b2", [d])]
        }
        if c.keeps(.memoryBank) { named += [("cache.log_alpha", [1]), ("cache.log_beta", [1])] }
        return named
    }
}

/// Named tensors stored flat in one array (see `ParameterLayout`). Used for parameters,
/// gradients and optimizer moments alike.
public struct ParameterSet: Equatable, Sendable {
    public let layout: ParameterLayout
    public var values: [Float]

    public init(zeros layout: ParameterLayout) {
        self.layout = layout
        self.values = [Float](repeating: 0, count: layout.totalCount)
    }

    public init(layout: ParameterLayout, values: [Float]) {
        precondition(values.count == layout.totalCount, "\(values.count) values for a layout of \(layout.totalCount)")
        self.layout = layout
        self.values = values
    }

    /// The layout entry of `name`. Traps on an unknown name: names come from the layout.
    private func entry(_ name: String) -> ParameterLayout.Entry {
        guard let e = layout.entry(name) else { preconditionFailure("no parameter named \(name)") }
        return e
    }

    /// A copy of one named tensor. Traps on an unknown name: names come from the layout.
    public func tensor(_ name: String) -> Tensor {
        let e = entry(name)
        return Tensor(shape: e.shape, data: Array(values[e.offset..<(e.offset + e.count)]))
    }

    /// Overwrites one named tensor.
    public mutating func set(_ name: String, _ t: Tensor) {
        let e = entry(name)
        precondition(t.shape == e.shape, "\(name): shape \(t.shape), expected \(e.shape)")
        values.replaceSubrange(e.offset..<(e.offset + e.count), with: t.data)
    }

    /// Adds `t` into one named tensor (gradient accumulation).
    public mutating func add(_ name: String, _ t: Tensor) {
        let e = entry(name)
        precondition(t.count == e.count, "\(name): \(t.count) values, expected \(e.count)")
        BLAS.axpy(1, x: t.data, y: &values, yOffset: e.offset, count: e.count)
    }

    /// Adds op(a) @ op(b) into one named [m, n] tensor, with no temporary (gradients of
    /// weight matrices: x^T dy).
    public mutating func addProduct(_ name: String, _ a: Tensor, transposeA: Bool = false,
                                    _ b: Tensor, transposeB: Bool = false) {
        let e = entry(name)
        precondition(e.shape.count == 2, "\(name) is not a matrix: \(e.shape)")
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition([m, n] == e.shape, "\(name): product is [\(m), \(n)], parameter \(e.shape)")
        BLAS.sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, a: a.data, lda: a.shape[1],
                   b: b.data, ldb: b.shape[1], beta: 1, c: &values, cOffset: e.offset)
    }

    public func offset(_ name: String) -> Int {
        let e = entry(name)
        return e.offset
    }

    /// The initial parameters of docs/METHOD.md: zeros where it says 0, N(0, 1/fan_in) where it
    /// says so, log 1 and log 5 for the cache. The same seed gives the same bits. A variant
    /// (`HeadConfig.ablate`) gets the full method's values of the parameters it keeps, so
    /// that the variants of one seed start from the same point.
    public static func initial(_ c: HeadConfig, seed: UInt64) -> ParameterSet {
        var fullHead = c
        fullHead.ablate = []
        var full = ParameterSet(zeros: ParameterLayout(head: fullHead))
        var rng = SplitMix64(seed: seed)
        func normal(_ name: String, fanIn: Int) {
            let e = full.layout.entry(name)!
            let std = 1 / Float(fanIn).squareRoot()
            for i in 0..<e.count { full.values[e.offset + i] = rng.nextNormal() * std }
        }
        normal("meta.w1", fanIn: c.jointDim)
        for l in c.layers { normal("adapter.\(l).w1", fanIn: c.visionWidth) }
        normal("fuse.wq", fanIn: c.jointDim)
        normal("mini.w1", fanIn: c.jointDim)
        full.values[full.offset("cache.log_beta")] = Float(log(5.0))
        guard !c.ablate.isEmpty else { return full }
        var p = ParameterSet(zeros: ParameterLayout(head: c))
        for e in p.layout.entries { p.set(e.name, full.tensor(e.name)) }
        return p
    }
}
