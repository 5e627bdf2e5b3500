import Foundation
import Shared

/// BUS-BRA (Gomez-Flores et al. 2024; 1875 images of 1064 patients, four scanners):
/// `Images/bus_0001-l.png`, `Masks/mask_0001-l.png` and `bus_data.csv` with the columns
/// `ID` (the image's name without extension), `Case` (the patient), `Pathology` (benign or
/// malignant), `BIRADS` and `Device` among others (`5-fold-cv.csv` and `10-fold-cv.csv`
/// beside it are not read). Every image has a lesion: there are no normal images.
enum BUSBRAFolder {
    static let table = "bus_data.csv"

    /// `Images/` and `Masks/`; detection also wants bus_data.csv.
    static func matches(_ folder: String, named: Bool) -> Bool {
        FolderListing.hasFolder(folder, "Images") && FolderListing.hasFolder(folder, "Masks")
            && (named || FolderListing.entry(folder, named: table) != nil)
    }

    static func load(site: String, folder: String, table explicit: String?, options: Dataset.Options) throws(DatasetError) -> Dataset {
        var problems = DatasetProblems(skipBad: options.skipBad)
        guard let imagesName = FolderListing.entry(folder, named: "Images"), let masksName = FolderListing.entry(folder, named: "Masks"),
              let tablePath = explicit ?? FolderListing.entry(folder, named: table).map({ joinPath(folder, $0) }) else {
            throw .notADataset(path: folder, reason: "a BUS-BRA folder has Images/, Masks/ and \(table)")
        }
        let t = try LabelTable.read(tablePath)
        let cols = try t.columns(["ID", "Case", "Pathology"], layout: "BUS-BRA")
        let files = Dictionary(try FolderListing.entries(joinPath(folder, imagesName)).filter(FolderListing.isImageName)
            .map { (FolderListing.stem($0), $0) }, uniquingKeysWith: { a, _ in a })
        var entries: [DatasetEntry] = [], listed = Set<String>()
        for row in t.rows {
            let id = FolderListing.stem(t.value(row, cols[0])), patient = t.value(row, cols[1])
            guard !id.isEmpty else { try problems.report(.badTable(table: tablePath, row: row.number, reason: "empty ID")); continue }
            guard listed.insert(id).inserted else {
                throw .badTable(table: tablePath, row: row.number, reason: "ID \(id) is listed again")
            }
            guard let label = LesionClass(parsing: t.value(row, cols[2])), label.isAbnormal else {
                try problems.report(.badTable(table: tablePath, row: row.number,
                                              reason: "Pathology \"\(t.value(row, cols[2]))\" is not benign or malignant"))
                continue
            }
            guard let file = files[id] else {
                try problems.report(.badTable(table: tablePath, row: row.number, reason: "no image \(imagesName)/\(id).png"))
                continue
            }
            let relative = imagesName + "/" + file
            let maskStem = id.hasPrefix("bus_") ? "mask_" + id.dropFirst(4) : "mask_" + id
            guard let maskFile = FolderListing.entry(joinPath(folder, masksName), named: maskStem + ".png") else {
                try problems.report(.missingMask(image: joinPath(folder, relative), expected: joinPath(folder, "\(masksName)/\(maskStem).png")))
                continue
            }
            let entry = DatasetEntry(site: site, relativePath: relative, imagePath: joinPath(folder, relative),
                                     maskPaths: [joinPath(folder, masksName + "/" + maskFile)], label: label,
                                     group: patient.isEmpty ? nil : "case " + patient, maskThreshold: options.maskThreshold)
            if let ok = try problems.verified(entry, decode: options.decodeAll) { entries.append(ok) }
        }
        for (stem, file) in files.sorted(by: { $0.key < $1.key }) where !listed.contains(stem) {
            try problems.report(.notInTable(image: joinPath(folder, imagesName + "/" + file), table: tablePath))
        }
        return try problems.dataset(site: site, root: folder, format: .busBRA, entries: entries)
    }
}
