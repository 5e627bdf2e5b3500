import Foundation

/// BUSI's folder layout: `normal/`, `benign/`, `malignant/` (any letter case), each with
/// `NAME.png` images and `NAME_mask.png` masks; further masks `NAME_mask_1.png`,
/// `NAME_mask_2.png`, ... of the same image are OR-merged. Normal images need no mask (an
/// all-black `_mask.png` beside them is accepted and ignored). Files that are not `.png`,
/// hidden files and files in the top folder are ignored; any other folder is an unknown
/// class.
enum BUSIFolder {
    static func load(site: String, folder: String, options: Dataset.Options) throws(DatasetError) -> Dataset {
        var problems = DatasetProblems(skipBad: options.skipBad)
        let top: [String]
        do { top = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw .unreadable(file: folder, reason: DatasetEntry.reason(error))
        }
        var classFolders: [(name: String, label: LesionClass)] = []
        for name in top.sorted() where !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: join(folder, name), isDirectory: &isDirectory),
                  isDirectory.boolValue else { continue }
            if let label = LesionClass.allCases.first(where: { $0.name == name.lowercased() }) {
                classFolders.append((name, label))
            } else {
                try problems.report(.unknownClassFolder(folder: join(folder, name)))
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
        guard !entries.isEmpty else { throw .empty(path: folder) }
        return Dataset(name: site, root: folder, entries: Dataset.sorted(entries), skipped: problems.skipped)
    }

    /// The entries of one class folder, pairing images with their masks.
    static func scan(classFolder: String, label: LesionClass, root: String, site: String, maskThreshold: Float,
                     problems: inout DatasetProblems) throws(DatasetError) -> [DatasetEntry] {
        let path = join(root, classFolder)
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw .unreadable(file: path, reason: DatasetEntry.reason(error))
        }
        var images: [String: String] = [:]               // stem -> file name
        var masks: [String: [(index: Int, file: String)]] = [:]   // image stem -> masks
        for file in files.sorted() where !file.hasPrefix(".") && file.lowercased().hasSuffix(".png") {
            let stem = String(file.dropLast(4))
            if let (base, index) = maskName(stem) {
                masks[base, default: []].append((index, file))
            } else {
                images[stem] = file
            }
        }
        for (base, list) in masks.sorted(by: { $0.key < $1.key }) where images[base] == nil {
            for m in list {
                try problems.report(.orphanMask(mask: join(path, m.file), expectedImage: join(path, base + ".png")))
            }
        }
        var entries: [DatasetEntry] = []
        for (stem, file) in images.sorted(by: { $0.key < $1.key }) {
            let relative = classFolder + "/" + file
            let maskFiles = (masks[stem] ?? []).sorted { $0.index < $1.index }.map { join(path, $0.file) }
            if label.isAbnormal && maskFiles.isEmpty {
                try problems.report(.missingMask(image: join(root, relative), expected: join(path, stem + "_mask.png")))
                continue
            }
            entries.append(DatasetEntry(site: site, relativePath: relative, imagePath: join(root, relative),
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

    static func join(_ root: String, _ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }
}
