import Foundation
import Shared

/// BrEaST, "Breast-Lesions-USG" on TCIA (Pawlowska et al. 2024; 256 images): one flat
/// folder of `case001.png` images, `case001_tumor.png` lesion masks and `case001_other1.png`
/// masks of other structures, and an .xlsx clinical table (a separate download) with the
/// columns `CaseID`, `Image_filename`, `Mask_tumor_filename`, `Mask_other_filename` and
/// `Classification` (benign, malignant or normal). A mask cell may list several files
/// joined by `&`, OR-merged. Normal cases have no tumour mask; `_other` masks are not
/// lesions and are not read. The patient is `CaseID`. The table is looked for in the
/// folder and in its parent (the one workbook with these columns), or `sites[].table`.
enum BrEaSTFolder {
    static let columns = ["CaseID", "Image_filename", "Mask_tumor_filename", "Classification"]

    static func matches(_ folder: String, named: Bool) -> Bool {
        ((try? FolderListing.entries(folder)) ?? []).contains { isCaseImage($0) }
    }

    /// `case001.png` (and not a mask).
    static func isCaseImage(_ file: String) -> Bool {
        let stem = FolderListing.stem(file).lowercased()
        return FolderListing.isImageName(file) && stem.hasPrefix("case") && stem.dropFirst(4).allSatisfy(\.isNumber) && stem.count > 4
    }

    static func load(site: String, folder: String, table explicit: String?, options: Dataset.Options) throws(DatasetError) -> Dataset {
        var problems = DatasetProblems(skipBad: options.skipBad)
        guard let tablePath = explicit ?? TableSearch.workbook(withColumns: columns, near: folder) else {
            throw .notADataset(path: folder, reason: "no clinical table (.xlsx with columns \(columns.joined(separator: ", "))) in it or in its parent; it is a separate download: name it with sites[].table")
        }
        let t = try LabelTable.read(tablePath)
        let cols = try t.columns(columns, layout: "BrEaST")
        let files = Set(try FolderListing.entries(folder))
        var entries: [DatasetEntry] = [], listed = Set<String>()
        for row in t.rows {
            let images = split(t.value(row, cols[1])), masks = split(t.value(row, cols[2]))
            guard images.count == 1, let image = images.first else {
                try problems.report(.badTable(table: tablePath, row: row.number,
                                              reason: images.isEmpty ? "empty Image_filename" : "Image_filename lists \(images.count) images; one row is one image"))
                continue
            }
            guard listed.insert(image).inserted else {
                throw .badTable(table: tablePath, row: row.number, reason: "\(image) is listed again")
            }
            guard let label = LesionClass(parsing: t.value(row, cols[3])) else {
                try problems.report(.badTable(table: tablePath, row: row.number,
                                              reason: "Classification \"\(t.value(row, cols[3]))\" is not benign, malignant or normal"))
                continue
            }
            guard files.contains(image) else {
                try problems.report(.badTable(table: tablePath, row: row.number, reason: "no image \(image) in \(folder)"))
                continue
            }
            if label.isAbnormal && masks.isEmpty {
                try problems.report(.missingMask(image: joinPath(folder, image), expected: "a file in Mask_tumor_filename of \(tablePath), row \(row.number)"))
                continue
            }
            let caseID = t.value(row, cols[0])
            let entry = DatasetEntry(site: site, relativePath: image, imagePath: joinPath(folder, image),
                                     maskPaths: label.isAbnormal ? masks.map { joinPath(folder, $0) } : [], label: label,
                                     group: caseID.isEmpty ? nil : "case " + caseID, maskThreshold: options.maskThreshold)
            if let ok = try problems.verified(entry, decode: options.decodeAll) { entries.append(ok) }
        }
        for file in files.sorted() where isCaseImage(file) && !listed.contains(file) {
            try problems.report(.notInTable(image: joinPath(folder, file), table: tablePath))
        }
        return try problems.dataset(site: site, root: folder, format: .breastLesionsUSG, entries: entries)
    }

    /// `a.png&b.png` -> [a.png, b.png] (spaces around names dropped).
    static func split(_ cell: String) -> [String] {
        cell.split(separator: "&").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
