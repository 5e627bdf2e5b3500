/// The groups a run's few-shot split respects, across all its sites: each image's patient
/// (`DatasetEntry.group`, within its site), merged with the image's duplicates (any site)
/// when the run merges them. No image of a shot's group is tested on, so neither another
/// image of a support patient nor a copy of a support image inflates a metric.
public struct SplitGroups: Sendable {
    /// Entry id (`site/path`) -> its group's key (the key of the group's first image).
    let keys: [String: String]
    /// Keys of groups holding one picture under two labels (a duplicate set whose images
    /// disagree): never a shot. A patient with images of several classes is no conflict:
    /// a scan has normal frames beside the lesion's, and a patient may have two lesions.
    public let conflicted: Set<String>
    /// Each duplicate set whose images disagree on the label (entry ids), for reports.
    public let conflicts: [[String]]

    /// `duplicates`: lists of entry ids that show the same image (one list per group).
    public init(datasets: [Dataset], duplicates: [[String]] = []) {
        let entries = datasets.flatMap(\.entries)
        let ids = entries.map(\.id), labels = entries.map(\.label)
        let index = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        // The earlier image names the group: UnionFind's root is a set's first member.
        var sets = UnionFind(count: entries.count)
        var firstOfPatient: [String: Int] = [:]
        for (i, e) in entries.enumerated() {
            let patient = e.site + "\u{1F}" + e.group
            if let first = firstOfPatient[patient] { sets.union(first, i) } else { firstOfPatient[patient] = i }
        }
        var mixed: [[Int]] = []
        for list in duplicates {
            let members = list.compactMap { index[$0] }
            for m in members.dropFirst() { sets.union(members[0], m) }
            if Set(members.map { labels[$0] }).count > 1 { mixed.append(members) }
        }
        var keys: [String: String] = [:]
        for i in ids.indices { keys[ids[i]] = ids[sets.find(i)] }
        self.keys = keys
        conflicted = Set(mixed.map { ids[sets.find($0[0])] })
        conflicts = mixed.map { $0.map { ids[$0] } }
    }

    /// The group key of an entry (the entry's own id for an entry of no loaded site).
    public func key(_ entry: DatasetEntry) -> String { keys[entry.id] ?? entry.id }

    /// A site's test images given the run's support images (every training site's): the
    /// site's images that are not support and share no group with one. `excluded` are the
    /// images left out only because of a shared group.
    public func testEntries(of dataset: Dataset, support: [DatasetEntry]) -> (test: [DatasetEntry], excluded: [DatasetEntry]) {
        let supportIDs = Set(support.map(\.id)), shotGroups = Set(support.map(key))
        var test: [DatasetEntry] = [], excluded: [DatasetEntry] = []
        for e in dataset.entries where !supportIDs.contains(e.id) {
            if shotGroups.contains(key(e)) { excluded.append(e) } else { test.append(e) }
        }
        return (test, excluded)
    }
}
