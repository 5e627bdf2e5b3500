import Datasets
import Foundation
import Shared

/// The frozen features a sweep needs: every support view and test image of every cell,
/// each distinct image view once (cells share shots, sites and views), grouped by the
/// backbone that encodes them (a variant may change it).
struct SweepFeatures {
    struct Group {
        let source: FeatureSource
        /// Distinct (image, view) pairs, in the order first met.
        let items: [(DatasetEntry, ViewKind)]
        /// How many of them the cache does not hold yet.
        var missing: Int {
            items.filter { entry, view in
                guard let d = try? source.digests.of(entry) else { return true }
                return !source.isCached(image: d, view)
            }.count
        }
    }
    let groups: [Group]
    /// Image views asked for by all cells together, counting repeats.
    let requested: Int

    /// Loads every cell's inputs (through `memo`: each dataset and backbone once).
    init(_ cells: [SweepCell], memo: RunInputsMemo) throws {
        var order = [String]()
        var sources = [String: FeatureSource]()
        var items = [String: [(DatasetEntry, ViewKind)]]()
        var seen = Set<String>()
        var requested = 0
        for cell in cells {
            let inputs = try RunInputs(config: cell.config, reuseRunShots: false, memo: memo)
            defer { inputs.share(with: memo) }
            let backbone = inputs.extractor.digest
            if sources[backbone] == nil { order.append(backbone); sources[backbone] = inputs.source }
            let tests = cell.config.testSites.flatMap { inputs.testEntries($0).test.map { ($0, ViewKind.identity) } }
            for (entry, view) in inputs.supportViews + tests {
                requested += 1
                if seen.insert("\(backbone)/\(try inputs.digests.of(entry))/\(view.rawValue)").inserted {
                    items[backbone, default: []].append((entry, view))
                }
            }
        }
        groups = order.map { Group(source: sources[$0]!, items: items[$0] ?? []) }
        self.requested = requested
    }

    var distinct: Int { groups.map(\.items.count).reduce(0, +) }
}
