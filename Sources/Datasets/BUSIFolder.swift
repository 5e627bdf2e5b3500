import Foundation
import Shared

/// BUSI's folder layout (Al-Dhabyani et al. 2020): `normal/`, `benign/`, `malignant/` (any
/// letter case), each with `NAME.png` images and `NAME_mask.png` masks; further masks
/// `NAME_mask_1.png`, `NAME_mask_2.png`, ... of the same image are OR-merged. Normal images
/// need no mask (an all-black `_mask.png` beside them is accepted and ignored). Files that
/// are not images, hidden files and files in the top folder are ignored; any other folder
/// is an unknown class. BUSI names no patients: every image is its own group.
enum BUSIFolder {
    /// A folder with at least one class folder.
    static func matches(_ folder: String, named: Bool) -> Bool {
        LesionClass.allCases.contains { FolderListing.hasFolder(folder, $0.name) }
    }

    static func load(site: String, folder: String, options: Dataset.Options) throws(DatasetError) -> Dataset {
        var problems = DatasetProblems(skipBad: options.skipBad)
        var classFolders: [(name: String, label: LesionClass)] = []
        for name in try FolderListing.entries(folder) {
            guard FolderListing.isFolder(joinPath(folder, name)) else { continue }
            if let label = LesionClass.allCases.first(where: { $0.name == name.lowercased() }) {
                classFolders.append((name, label))
            } else {
                try problems.report(.unknownClassFolder(folder: joinPath(folder, name)))
            }
        }
        guard !classFolders.isEmpty else {
            throw .notADataset(path: folder, reason: "no normal/, benign/ or malignant/ folder in it")
        }
        var entries: [DatasetEntry] = []
        for (name, label) in classFolders {
            for entry in try scan(classFolder: name, label: label, root: folder, site: site,
                                  maskThreshold: options.maskThreshold, problems: &problems) {
                if let ok = try problems.verified(entry, decode: options.decodeAll) { entries.append(ok) }
            }
        }
        return try problems.dataset(site: site, root: folder, format: .busi, entries: entries)
    }

    /// The entries of one class folder, pairing images with their masks.
    static func scan(classFolder: String, label: LesionClass, root: String, site: String, maskThreshold: Float,
                     problems: inout DatasetProblems) throws(DatasetError) -> [DatasetEntry] {
        let path = joinPath(root, classFolder)
        var images: [String: String] = [:]               // stem -> file name
        var masks: [String: [(index: Int, file: String)]] = [:]   // image stem -> masks
        for file in try FolderListing.entries(path) where FolderListing.isImageName(file) {
            let stem = FolderListing.stem(file)
            if let (base, index) = maskName(stem) {
                masks[base, default: []].append((index, file))
            } else {
                images[stem] = file
            }
        }
        for (base, list) in masks.sorted(by: { $0.key < $1.key }) where images[base] == nil {
            for m in list {
                try problems.report(.orphanMask(mask: joinPath(path, m.file), expectedImage: joinPath(path, base + ".png")))
            }
        }
        var entries: [DatasetEntry] = []
        for (stem, file) in images.sorted(by: { $0.key < $1.key }) {
            let relative = classFolder + "/" + file
            let maskFiles = (masks[stem] ?? []).sorted { $0.index < $1.index }.map { joinPath(path, $0.file) }
            if label.isAbnormal && maskFiles.isEmpty {
                try problems.report(.missingMask(image: joinPath(root, relative), expected: joinPath(path, stem + "_mask.png")))
                continue
            }
            entries.append(DatasetEntry(site: site, relativePath: relative, imagePath: joinPath(root, relative),
                                        maskPaths: label.isAbnormal ? maskFiles : [], label: label,
                                        maskThreshold: maskThreshold))
        }
        return entries
    }

    /// `NAME_mask` -> (NAME, 0), `NAME_mask_3` -> (NAME, 3); nil for other stems.
    static func maskName(_ stem: String) -> (base: String, index: Int)? {
        if stem.hasSuffix("_mask") { return (String(stem.dropLast(5)), 0) }
        guard let range = stem.range(of: "_mask_", options: .backwards) else { return nil }
        let digits = stem[range.upperBound...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
        return (String(stem[..<range.lowerBound]), n)
    }
}
