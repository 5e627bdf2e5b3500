import Foundation
import XCTest
@testable import Coordinator
@testable import Shared

/// How a step's chunks are split into aligned blocks (Sessions/StepState.swift, Block in
/// PostOffice/Membership.swift), and how a failed block is put back.
final class StepStateTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_000)

    /// `n` chunks of one query each; chunk k holds image k.
    func chunks(_ n: Int) -> [[QueryRef]] {
        (0..<n).map { [QueryRef(image: UInt32($0), view: 0)] }
    }

    func blocks(_ pairs: [(Int, Int)]) -> [Block] { pairs.map { Block(start: $0.0, count: $0.1) } }

    func testSevenChunksAreSplitIntoTheLargestBlocksThatGiveEveryWorkerOne() {
        // 7 chunks: a tree of width 8. The block size is the largest power of two with
        // size * 2 <= 8 / workers; blocks that start past the last chunk are dropped.
        let expected: [(workers: Int, blocks: [Block])] = [
            (0, blocks([(0, 8)])),                                   // treated as one worker
            (1, blocks([(0, 8)])),
            (2, blocks([(0, 4), (4, 4)])),
            (3, blocks([(0, 2), (2, 2), (4, 2), (6, 2)])),
            (4, blocks([(0, 2), (2, 2), (4, 2), (6, 2)])),
            (5, blocks([(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)])),
            (8, blocks([(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)])),   // [7, 8) is padding
            (100, blocks([(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)])),
        ]
        for (workers, want) in expected {
            let state = StepState(step: 3, chunks: chunks(7), workers: workers, now: now)
            XCTAssertEqual(state.pending, want, "\(workers) workers")
            XCTAssertEqual(state.blocks, want.count, "\(workers) workers")
            for b in state.pending {
                XCTAssertTrue(state.tree.isAlignedBlock(start: b.start, count: b.count), "\(b) with \(workers) workers")
            }
        }
    }

    func testBlocksOfOnlyPaddingAreNotComputed() {
        // 5 chunks in a tree of width 8: with 4 workers, [6, 8) holds no chunk at all.
        let state = StepState(step: 1, chunks: chunks(5), workers: 4, now: now)
        XCTAssertEqual(state.tree.leafCount, 5)
        XCTAssertEqual(state.tree.width, 8)
        XCTAssertEqual(state.pending, blocks([(0, 2), (2, 2), (4, 2)]))
        XCTAssertEqual(state.blocks, 3)
        // One chunk: one block of one.
        let single = StepState(step: 1, chunks: chunks(1), workers: 3, now: now)
        XCTAssertEqual(single.tree.width, 1)
        XCTAssertEqual(single.pending, blocks([(0, 1)]))
        XCTAssertEqual(single.blocks, 1)
    }

    func testANewStepStartsEmpty() {
        let state = StepState(step: 12, chunks: chunks(4), workers: 2, now: now)
        XCTAssertEqual(state.step, 12)
        XCTAssertEqual(state.chunks, chunks(4))
        XCTAssertEqual(state.started, now)
        XCTAssertEqual(state.featuresSent, 0)
        XCTAssertEqual(state.queries, 0)
        XCTAssertEqual(state.loss, LossParts())
        XCTAssertEqual(state.computeSeconds, 0)
        XCTAssertEqual(state.criticalComputeSeconds, 0)
        XCTAssertFalse(state.tree.isComplete)
    }

    func testChunkListsOfABlockArePaddedWithEmptyLists() {
        let c = chunks(5)
        let state = StepState(step: 1, chunks: c, workers: 2, now: now)
        XCTAssertEqual(state.pending, blocks([(0, 4), (4, 4)]))
        XCTAssertEqual(state.chunkLists(Block(start: 0, count: 4)), Array(c[0..<4]))
        XCTAssertEqual(state.chunkLists(Block(start: 4, count: 4)), [c[4], [], [], []])
        XCTAssertEqual(state.chunkLists(Block(start: 6, count: 1)), [[]])
    }

    func testARequeuedBlockComesBackFirstAsItsTwoHalves() {
        var state = StepState(step: 1, chunks: chunks(8), workers: 2, now: now)
        XCTAssertEqual(state.pending, blocks([(0, 4), (4, 4)]))
        let taken = state.pending.removeFirst()
        state.requeue(taken)
        XCTAssertEqual(state.pending, blocks([(0, 2), (2, 2), (4, 4)]))
        // A block of one comes back whole.
        state.requeue(Block(start: 7, count: 1))
        XCTAssertEqual(state.pending, blocks([(7, 1), (0, 2), (2, 2), (4, 4)]))
        // Requeued blocks do not count as blocks of the split.
        XCTAssertEqual(state.blocks, 2)
    }

    func testARequeuedHalfThatIsOnlyPaddingIsDropped() {
        // 5 chunks, 2 workers: [4, 8) holds chunk 4 only; its half [6, 8) is all padding.
        var state = StepState(step: 1, chunks: chunks(5), workers: 2, now: now)
        XCTAssertEqual(state.pending, blocks([(0, 4), (4, 4)]))
        let last = state.pending.removeLast()
        state.requeue(last)
        XCTAssertEqual(state.pending, blocks([(4, 2), (0, 4)]))
        state.pending.removeFirst()
        state.requeue(Block(start: 4, count: 2))
        XCTAssertEqual(state.pending, blocks([(4, 1), (0, 4)]), "[5, 6) is padding too")
    }

    func testBlockHalvesAndDescription() {
        XCTAssertEqual(Block(start: 0, count: 8).halves, blocks([(0, 4), (4, 4)]))
        XCTAssertEqual(Block(start: 6, count: 2).halves, blocks([(6, 1), (7, 1)]))
        XCTAssertEqual(Block(start: 3, count: 1).halves, blocks([(3, 1)]))
        XCTAssertEqual(Block(start: 4, count: 4).description, "[4, 8)")
        XCTAssertEqual("\(Block(start: 0, count: 1))", "[0, 1)")
    }
}
