import Foundation
import Shared

/// What a dataset folder holds, as the layouts see it: hidden entries and the `__MACOSX/`
/// folder a zip made on a Mac carries are not part of any dataset.
package enum FolderListing {
    /// The visible entries of `folder`, sorted.
    package static func entries(_ folder: String) throws(DatasetError) -> [String] {
        let all: [String]
        do { all = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw .unreadable(file: folder, reason: DatasetEntry.reason(error))
        }
        return all.filter { !$0.hasPrefix(".") && $0 != "__MACOSX" }.sorted()
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The visible entry of `folder` named `name` in any letter case (BUS-BRA's `Images/`
    /// is `images/` after some unzip tools), or nil.
    static func entry(_ folder: String, named name: String) -> String? {
        guard let list = try? entries(folder) else { return nil }
        return list.first { $0 == name } ?? list.first { $0.lowercased() == name.lowercased() }
    }

    /// Whether `folder` has a subfolder `name` (any letter case).
    static func hasFolder(_ folder: String, _ name: String) -> Bool {
        entry(folder, named: name).map { isFolder(joinPath(folder, $0)) } ?? false
    }

    /// The image files this build reads, by extension (any letter case).
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp"]

    package static func isImageName(_ file: String) -> Bool {
        imageExtensions.contains((file as NSString).pathExtension.lowercased())
    }

    /// `case001.png` -> `case001`.
    static func stem(_ file: String) -> String { (file as NSString).deletingPathExtension }
}
