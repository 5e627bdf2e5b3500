/// The fixed binary reduction tree of METHOD.md ("Episodes").
///
/// K chunk gradients are the leaves of a tree of width K rounded up to a power of two;
/// missing leaves are zeros, and every inner node is left + right in Float32. A worker
/// handed an aligned block (2^j consecutive chunks starting at a multiple of 2^j: one
/// subtree) returns that subtree's node; the coordinator places block nodes in the tree
/// and completes it. Because every node is the same expression whoever computes it, any
/// assignment of blocks to workers gives the same bits.
///
/// A zero subtree is represented by nil and "x + zero" returns x unchanged, everywhere,
/// which keeps the rule identical for workers and coordinator.
public struct ReductionTree: Sendable {
    public let leafCount: Int
    /// Leaves of the full tree: leafCount rounded up to a power of two.
    public let width: Int
    /// Known nodes, by (level, index): level 0 are leaves, level log2(width) the root.
    private var nodes: [Key: [Float]] = [:]

    struct Key: Hashable { let level: Int; let index: Int }

    public init(leafCount: Int) {
        precondition(leafCount >= 1, "a reduction tree needs at least one leaf")
        self.leafCount = leafCount
        var w = 1
        while w < leafCount { w *= 2 }
        width = w
    }

    /// Is (start, count) an aligned block of this tree: count a power of two, start a
    /// multiple of count, inside the tree?
    public func isAlignedBlock(start: Int, count: Int) -> Bool {
        count >= 1 && count & (count - 1) == 0 && start >= 0 && start % count == 0 && start + count <= width
    }

    /// Records the node for the block (start, count): the tree-order sum of its chunks.
    public mutating func insert(start: Int, count: Int, sum: [Float]) {
        precondition(isAlignedBlock(start: start, count: count), "block (\(start), \(count)) is not aligned")
        nodes[Key(level: count.trailingZeroBitCount, index: start / count)] = sum
    }

    /// True when every leaf below the root is covered by inserted blocks.
    public var isComplete: Bool { covered(level: width.trailingZeroBitCount, index: 0) }

    private func covered(level: Int, index: Int) -> Bool {
        if index << level >= leafCount { return true }        // all-padding subtree
        if nodes[Key(level: level, index: index)] != nil { return true }
        if level == 0 { return false }
        return covered(level: level - 1, index: 2 * index) && covered(level: level - 1, index: 2 * index + 1)
    }

    /// The root: the sum of all chunks in tree order. Requires `isComplete`.
    public func root() -> [Float]? { node(level: width.trailingZeroBitCount, index: 0) }

    private func node(level: Int, index: Int) -> [Float]? {
        if index << level >= leafCount { return nil }
        if let v = nodes[Key(level: level, index: index)] { return v }
        precondition(level > 0, "reduction tree: leaf \(index) is missing")
        return Self.add(node(level: level - 1, index: 2 * index), node(level: level - 1, index: 2 * index + 1))
    }

    /// Sum of the chunks of one block in tree order; `chunks.count` must be a power of two
    /// (nil entries are zeros, for chunks past the episode's end).
    public static func blockSum(_ chunks: [[Float]?]) -> [Float]? {
        var sum = BlockSum()
        for c in chunks { sum.append(c) }
        return sum.total
    }

    static func add(_ a: [Float]?, _ b: [Float]?) -> [Float]? {
        guard let a else { return b }
        guard let b else { return a }
        precondition(a.count == b.count, "reduction: \(a.count) vs \(b.count) values")
        // Written into a new array in one pass (the inputs are still held by the tree).
        return [Float](unsafeUninitializedCapacity: a.count) { out, n in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    for i in 0..<pa.count { out[i] = pa[i] + pb[i] }
                }
            }
            n = a.count
        }
    }
}

/// The tree-order sum of one aligned block, built as its chunk gradients arrive: a stack
/// keeps at most one node per level, and two nodes of a level merge as soon as both
/// exist (into the left one's storage). A block of n chunks so holds log2(n) + 1
/// gradients at a time instead of all n leaves and their n - 1 sums, with the same bits
/// as `ReductionTree`.
public struct BlockSum {
    private var stack: [(level: Int, sum: [Float]?)] = []
    public private(set) var leafCount = 0

    public init() {}

    /// Adds the next leaf (nil: a zero leaf, for a chunk past the episode's end).
    public mutating func append(_ leaf: [Float]?) {
        var node = (level: 0, sum: leaf)
        while stack.last?.level == node.level {
            var left = stack.removeLast().sum   // the only reference: added to in place
            Self.add(&left, node.sum)
            node = (level: node.level + 1, sum: left)
        }
        stack.append(node)
        leafCount += 1
    }

    /// The block's node; the leaves appended must number a power of two.
    public var total: [Float]? {
        precondition(leafCount > 0 && leafCount & (leafCount - 1) == 0 && stack.count == 1,
                     "block of \(leafCount) chunks is not a power of two")
        return stack[0].sum
    }

    /// left = left + right, the same expression as `ReductionTree.add`, in left's storage.
    private static func add(_ left: inout [Float]?, _ right: [Float]?) {
        guard let right else { return }
        guard left != nil else { left = right; return }
        precondition(left!.count == right.count, "reduction: \(left!.count) vs \(right.count) values")
        right.withUnsafeBufferPointer { pb in
            left!.withUnsafeMutableBufferPointer { pa in
                for i in 0..<pa.count { pa[i] += pb[i] }
            }
        }
    }
}
