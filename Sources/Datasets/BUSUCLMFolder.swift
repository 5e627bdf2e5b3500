import Foundation
import Shared

/// BUS-UCLM (Vallez et al. 2025; 683 images of 38 patients, Siemens ACUSON S2000):
/// `images/NAME.png`, `masks/NAME.png` (the same name) and `INFO.csv`, separated by `;`,
/// with the columns `Image;Resolution;Label;Doppler;Marks;Combined`.
///
/// - The class is `Label` (Normal, Benign or Malignant). The masks are colour-coded: black
///   background, green (0,255,0) a benign lesion, red (255,0,0) a malignant one. A mask
///   whose colour disagrees with `Label` (or a normal image with a coloured mask) is a
///   label conflict, reported, and the image keeps `Label`. Without INFO.csv (and no
///   `sites[].table`), the colour gives the class.
/// - The patient is the file name's prefix before the first `_` (`ALWI_000.png`: ALWI).
/// - One patient's masks are stored at another size than their images: such a mask is
///   resized to the image when the aspect ratios agree (`MaskFit`), else the image is
///   skipped; both are reported, so the dataset runs unchanged.
enum BUSUCLMFolder {
    static let table = "INFO.csv"

    /// `images/` and `masks/`; detection also wants INFO.csv (other datasets have those two folders).
    static func matches(_ folder: String, named: Bool) -> Bool {
        FolderListing.hasFolder(folder, "images") && FolderListing.hasFolder(folder, "masks")
            && (named || FolderListing.entry(folder, named: table) != nil)
    }

    static func load(site: String, folder: String, table explicit: String?, options: Dataset.Options) throws(DatasetError) -> Dataset {
        var problems = DatasetProblems(skipBad: options.skipBad)
        guard let imagesName = FolderListing.entry(folder, named: "images"), let masksName = FolderListing.entry(folder, named: "masks") else {
            throw .notADataset(path: folder, reason: "a BUS-UCLM folder has images/ and masks/")
        }
        let labels = try tableLabels(explicit ?? FolderListing.entry(folder, named: table).map { joinPath(folder, $0) })
        var entries: [DatasetEntry] = []
        var listed = Set<String>()
        for file in try FolderListing.entries(joinPath(folder, imagesName)) where FolderListing.isImageName(file) {
            let relative = imagesName + "/" + file
            let maskRelative = masksName + "/" + file
            let maskPath = joinPath(folder, maskRelative)
            guard FolderListing.isFile(maskPath) else {
                try problems.report(.missingMask(image: joinPath(folder, relative), expected: maskPath))
                continue
            }
            let colour: MaskColour
            do { colour = try MaskColour.of(maskPath, threshold: options.maskThreshold) } catch {
                try problems.report(error)
                continue
            }
            let label: LesionClass
            if let labels {
                guard let row = labels.byName[file] ?? labels.byName[FolderListing.stem(file)] else {
                    try problems.report(.notInTable(image: joinPath(folder, relative), table: labels.file))
                    continue
                }
                listed.insert(row.name)
                label = row.label
            } else {
                guard let byColour = colour.label else {
                    problems.labelConflicts.append([relative]); continue   // red and green in one mask, and no table
                }
                label = byColour
            }
            let entry = DatasetEntry(site: site, relativePath: relative, imagePath: joinPath(folder, relative),
                                     maskPaths: label.isAbnormal ? [maskPath] : [], label: label,
                                     group: "patient " + patient(of: file), maskThreshold: options.maskThreshold,
                                     resizesMismatchedMask: true)
            guard let ok = try problems.verified(entry, decode: options.decodeAll) else { continue }
            entries.append(ok)
            if labels != nil && colour.label != label { problems.labelConflicts.append([relative]) }
        }
        if let labels {
            for row in labels.rows where !listed.contains(row.name) {
                try problems.report(.badTable(table: labels.file, row: row.number, reason: "\(row.name) is not in \(imagesName)/"))
            }
        }
        return try problems.dataset(site: site, root: folder, format: .busUCLM, entries: entries)
    }

    /// `ALWI_000.png` -> `ALWI`.
    static func patient(of file: String) -> String {
        let stem = FolderListing.stem(file)
        return stem.split(separator: "_", maxSplits: 1).first.map(String.init) ?? stem
    }

    struct TableRow { var number: Int; var name: String; var label: LesionClass }

    /// INFO.csv's rows by image name (with and without extension), or nil without a table.
    static func tableLabels(_ path: String?) throws(DatasetError) -> (file: String, rows: [TableRow], byName: [String: TableRow])? {
        guard let path else { return nil }
        let t = try LabelTable.read(path, separator: path.lowercased().hasSuffix(".csv") ? ";" : ",")
        let cols = try t.columns(["Image", "Label"], layout: "BUS-UCLM")
        var rows: [TableRow] = [], byName: [String: TableRow] = [:]
        for r in t.rows {
            let name = t.value(r, cols[0])
            guard !name.isEmpty else { throw .badTable(table: path, row: r.number, reason: "empty Image") }
            guard let label = LesionClass(parsing: t.value(r, cols[1])) else {
                throw .badTable(table: path, row: r.number, reason: "Label \"\(t.value(r, cols[1]))\" is not Normal, Benign or Malignant")
            }
            let row = TableRow(number: r.number, name: name, label: label)
            rows.append(row)
            byName[name] = row
            byName[FolderListing.stem(name)] = row
        }
        return (path, rows, byName)
    }
}

/// The class a colour-coded mask draws: green pixels a benign lesion, red a malignant
/// one, neither (black) no lesion. A pixel is coloured where its channel reaches the mask
/// threshold and the other channel does not.
struct MaskColour {
    var green = 0, red = 0

    /// nil when the mask has both colours.
    var label: LesionClass? {
        switch (green > 0, red > 0) {
        case (false, false): return .normal
        case (true, false): return .benign
        case (false, true): return .malignant
        case (true, true): return nil
        }
    }

    static func of(_ path: String, threshold: Float) throws(DatasetError) -> MaskColour {
        let rgb: RGBImage
        do { rgb = try ImageFile.decodeRGB(try ImageFile.read(path), name: path) } catch { throw .unreadable(file: path, reason: error.reason) }
        let n = rgb.width * rgb.height
        var c = MaskColour()
        for i in 0..<n {
            let r = rgb.pixels[i] >= threshold, g = rgb.pixels[n + i] >= threshold
            if g && !r { c.green += 1 } else if r && !g { c.red += 1 }
        }
        return c
    }
}
