import Foundation
import Shared

/// UDIAT "Dataset B" (Yap et al. 2017; 163 images, Siemens ACUSON Sequoia C512):
/// `original/000001.png`, `GT/000001.png` (the lesion mask, same name) and `DatasetB.xlsx`
/// with the columns `Image` (the number, zero-padded to 6 digits in the file names) and
/// `Type` (benign or malignant). No normal images, no patients named. The table is looked
/// for in the folder and in its parent.
enum UDIATFolder {
    static let table = "DatasetB.xlsx"

    static func matches(_ folder: String, named: Bool) -> Bool {
        FolderListing.hasFolder(folder, "original") && FolderListing.hasFolder(folder, "GT")
    }

    static func load(site: String, folder: String, table explicit: String?, options: Dataset.Options) throws(DatasetError) -> Dataset {
        var problems = DatasetProblems(skipBad: options.skipBad)
        guard let imagesName = FolderListing.entry(folder, named: "original"), let masksName = FolderListing.entry(folder, named: "GT") else {
            throw .notADataset(path: folder, reason: "a UDIAT Dataset B folder has original/ and GT/")
        }
        guard let tablePath = explicit ?? TableSearch.named(table, near: folder) else {
            throw .notADataset(path: folder, reason: "no \(table) in it or in its parent (name the table with sites[].table)")
        }
        let t = try LabelTable.read(tablePath)
        let cols = try t.columns(["Image", "Type"], layout: "UDIAT Dataset B")
        var files: [Int: String] = [:]
        for f in try FolderListing.entries(joinPath(folder, imagesName)) where FolderListing.isImageName(f) {
            if let n = Int(FolderListing.stem(f)) { files[n] = f } else {
                try problems.report(.notInTable(image: joinPath(folder, imagesName + "/" + f), table: tablePath))
            }
        }
        var entries: [DatasetEntry] = [], listed = Set<Int>()
        for row in t.rows {
            let text = t.value(row, cols[0])
            guard let number = Int(text) ?? Double(text).flatMap({ $0 == $0.rounded() ? Int(exactly: $0) : nil }) else {
                try problems.report(.badTable(table: tablePath, row: row.number, reason: "Image \"\(text)\" is not an image number"))
                continue
            }
            guard listed.insert(number).inserted else {
                throw .badTable(table: tablePath, row: row.number, reason: "Image \(number) is listed again")
            }
            guard let label = LesionClass(parsing: t.value(row, cols[1])), label.isAbnormal else {
                try problems.report(.badTable(table: tablePath, row: row.number,
                                              reason: "Type \"\(t.value(row, cols[1]))\" is not benign or malignant"))
                continue
            }
            let padded = String(format: "%06d", number)
            guard let file = files[number] else {
                try problems.report(.badTable(table: tablePath, row: row.number, reason: "no image \(imagesName)/\(padded).png"))
                continue
            }
            let relative = imagesName + "/" + file
            guard let mask = FolderListing.entry(joinPath(folder, masksName), named: file) else {
                try problems.report(.missingMask(image: joinPath(folder, relative), expected: joinPath(folder, "\(masksName)/\(file)")))
                continue
            }
            let entry = DatasetEntry(site: site, relativePath: relative, imagePath: joinPath(folder, relative),
                                     maskPaths: [joinPath(folder, masksName + "/" + mask)], label: label,
                                     maskThreshold: options.maskThreshold)
            if let ok = try problems.verified(entry, decode: options.decodeAll) { entries.append(ok) }
        }
        for (n, f) in files.sorted(by: { $0.key < $1.key }) where !listed.contains(n) {
            try problems.report(.notInTable(image: joinPath(folder, imagesName + "/" + f), table: tablePath))
        }
        return try problems.dataset(site: site, root: folder, format: .udiatB, entries: entries)
    }
}

/// Where a layout's table is when the dataset ships it apart from the images.
enum TableSearch {
    /// `name` (any letter case) in `folder` or in its parent.
    static func named(_ name: String, near folder: String) -> String? {
        for dir in [folder, (folder as NSString).deletingLastPathComponent] where !dir.isEmpty {
            if let f = FolderListing.entry(dir, named: name), FolderListing.isFile(joinPath(dir, f)) { return joinPath(dir, f) }
        }
        return nil
    }

    /// The one .xlsx file in `folder` or else in its parent whose first row has `columns`.
    static func workbook(withColumns columns: [String], near folder: String) -> String? {
        for dir in [folder, (folder as NSString).deletingLastPathComponent] where !dir.isEmpty {
            let books = ((try? FolderListing.entries(dir)) ?? []).filter { $0.lowercased().hasSuffix(".xlsx") }
            let fitting = books.map { joinPath(dir, $0) }.filter { path in
                guard let t = try? LabelTable.read(path) else { return false }
                return columns.allSatisfy { t.column($0) != nil }
            }
            if fitting.count == 1 { return fitting[0] }
        }
        return nil
    }
}
