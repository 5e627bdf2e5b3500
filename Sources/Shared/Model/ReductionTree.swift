/// The fixed binary reduction tree of docs/METHOD.md ("Episodes").
///
/// K chunk gradients are the leaves of a tree of width K rounded up to a power of two;
/// missing leaves are zeros, and every inner node is left + right in Float32. A worker
/// handed an aligned block (2^j consecutive chunks starting at a multiple of 2^j: one
/// subtree) returns that subtree's node; the coordinator places block nodes in the tree
/// and completes it; the worker builds that node with a tree of its own over the block's
/// real chunks (the padding past the episode's end is zero, so the narrower tree gives the
/// same node). Because every node is the same expression whoever computes it, any
/// assignment of blocks to workers gives the same bits.
///
/// A zero subtree is represented by nil and "x + zero" returns x unchanged, everywhere,
/// which keeps the rule identical for workers and coordinator.
///
/// Nodes are summed as soon as both children are known, while other blocks are still
/// being computed: the last block to arrive pays for the log2(blocks) sums on its way to
/// the root, not for all blocks - 1 of them, and the tree holds one node per finished
/// subtree.
public struct ReductionTree: Sendable {
    public let leafCount: Int
    /// Leaves of the full tree: leafCount rounded up to a power of two.
    public let width: Int
    /// Finished subtrees whose sibling is still missing, by (level, index): level 0 are
    /// leaves, level log2(width) the root.
    private var nodes: [Key: [Float]] = [:]

    struct Key: Hashable { let level: Int; let index: Int }

    public init(leafCount: Int) {
        precondition(leafCount >= 1, "a reduction tree needs at least one leaf")
        self.leafCount = leafCount
        var w = 1
        while w < leafCount { w *= 2 }
        width = w
    }

    private var rootLevel: Int { width.trailingZeroBitCount }

    /// Is (start, count) an aligned block of this tree: count a power of two, start a
    /// multiple of count, inside the tree?
    public func isAlignedBlock(start: Int, count: Int) -> Bool {
        count >= 1 && count & (count - 1) == 0 && start >= 0 && start % count == 0 && start + count <= width
    }

    /// Records the node for the block (start, count), the tree-order sum of its chunks,
    /// and sums it with its sibling, and so on up, while the sibling is known. The block
    /// must not overlap one recorded before.
    public mutating func insert(start: Int, count: Int, sum: consuming [Float]) {
        precondition(isAlignedBlock(start: start, count: count), "block (\(start), \(count)) is not aligned")
        var level = count.trailingZeroBitCount, index = start / count
        precondition(!(level...rootLevel).contains { nodes[Key(level: $0, index: index >> ($0 - level))] != nil },
                     "block (\(start), \(count)) is already in the tree")
        var value: [Float]? = consume sum
        while level < rootLevel {
            var sibling: [Float]?
            if (index ^ 1) << level >= leafCount {
                sibling = nil                                   // all padding: a zero
            } else if let known = nodes.removeValue(forKey: Key(level: level, index: index ^ 1)) {
                sibling = known
            } else {
                break
            }
            if index & 1 == 0 { Self.add(&value, sibling) } else { Self.add(&sibling, value); value = sibling }
            level += 1
            index /= 2
        }
        nodes[Key(level: level, index: index)] = value
    }

    /// Whether the block (start, count) shares a leaf with one inserted before (the
    /// nodes kept cover exactly the leaves inserted so far).
    public func overlaps(start: Int, count: Int) -> Bool {
        nodes.keys.contains { k in
            let first = k.index << k.level
            return first < start + count && start < first + (1 << k.level)
        }
    }

    /// True when every leaf below the root is covered by inserted blocks.
    public var isComplete: Bool { nodes[Key(level: rootLevel, index: 0)] != nil }

    /// The root: the sum of all chunks in tree order. Requires `isComplete`.
    public func root() -> [Float]? {
        precondition(isComplete, "reduction tree: the root is asked for before every block is in")
        return nodes[Key(level: rootLevel, index: 0)]
    }

    /// left = left + right (nil is zero, and x + zero is x itself), in left's storage when
    /// left is the only reference to it.
    static func add(_ left: inout [Float]?, _ right: [Float]?) {
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
