import Foundation

/// One image of a dataset: where its files are and its class. Nothing is decoded until
/// `load()`.
public struct DatasetEntry: Hashable, Sendable {
    /// The site (dataset name) the image belongs to.
    public var site: String
    /// The image path as the dataset names it: relative to the BUSI folder or to the
    /// manifest's folder (absolute if the manifest gave an absolute path). shots.csv keeps it.
    public var relativePath: String
    /// The image file (the dataset root joined with `relativePath`).
    public var imagePath: String
    /// The mask files, OR-merged on load. Empty for normal images (their mask is all zeros).
    public var maskPaths: [String]
    public var label: LesionClass
    /// The patient (or study) the image belongs to, as the dataset names it; the image's own
    /// `relativePath` where the dataset names none. Few-shot splits draw whole groups.
    public var group: String
    /// A mask pixel is lesion when its value in [0, 1] is at least this (in any mask file).
    public var maskThreshold: Float
    /// A mask whose size differs from its image's is resized to it (nearest) when the two
    /// aspect ratios agree (`MaskFit`), instead of being an error: BUS-UCLM's rule.
    public var resizesMismatchedMask: Bool

    public init(site: String, relativePath: String, imagePath: String, maskPaths: [String], label: LesionClass,
                group: String? = nil, maskThreshold: Float = 0.5, resizesMismatchedMask: Bool = false) {
        self.site = site; self.relativePath = relativePath; self.imagePath = imagePath
        self.maskPaths = maskPaths; self.label = label; self.group = group ?? relativePath
        self.maskThreshold = maskThreshold; self.resizesMismatchedMask = resizesMismatchedMask
    }

    /// A stable id, unique within a set of sites: `site/relativePath`.
    public var id: String { "\(site)/\(relativePath)" }

    /// Decodes the image and its merged mask (a pixel is lesion when any mask file has a
    /// value >= `maskThreshold` there: `DecodedImage.maskValues`, the largest colour channel
    /// or the alpha of a black mask).
    public func load() throws(DatasetError) -> LabeledImage {
        let image = try loadImage()
        let height = image.shape[1], width = image.shape[2]
        var mask = Tensor(zeros: [height, width])
        for path in maskPaths {
            let m: DecodedImage
            do { m = try ImageFile.decode(try ImageFile.read(path), name: path) } catch {
                throw .unreadable(file: path, reason: error.reason)
            }
            var values = m.maskValues()
            if m.width != width || m.height != height {
                guard resizesMismatchedMask, MaskFit.aspectsAgree(mask: (m.width, m.height), image: (width, height)) else {
                    throw .sizeMismatch(mask: path, maskWidth: m.width, maskHeight: m.height,
                                        image: imagePath, width: width, height: height)
                }
                values = MaskFit.nearest(values, from: (m.width, m.height), to: (width, height))
            }
            for i in values.indices where values[i] >= maskThreshold { mask.data[i] = 1 }
        }
        return LabeledImage(image: image, mask: mask, label: label)
    }

    /// The image alone, as `load()` gives it: [3, H, W] in [0, 1].
    public func loadImage() throws(DatasetError) -> Tensor {
        try Self.decodeImage(try imageFile(), name: imagePath)
    }

    /// An image file's bytes (PNG, JPEG or BMP, told apart by their first bytes) -> [3, H, W]
    /// in [0, 1], alpha composited over black, gray repeated: the one decoding of dataset
    /// images (`load()`, and workers given the file's bytes). `name` names it in errors.
    public static func decodeImage(_ file: [UInt8], name: String) throws(DatasetError) -> Tensor {
        let rgb: RGBImage
        do { rgb = try ImageFile.decodeRGB(file, name: name) } catch { throw .unreadable(file: name, reason: error.reason) }
        return Tensor(shape: [3, rgb.height, rgb.width], data: rgb.pixels)
    }

    /// The image file's bytes.
    public func imageFile() throws(DatasetError) -> [UInt8] {
        try Self.contents(ofFile: imagePath)
    }

    /// FNV-1a 64 of the image file's bytes, as 16 hex digits: the feature cache's key and
    /// the check that a shot in shots.csv is still the same image.
    public func imageDigest() throws(DatasetError) -> String {
        try Self.digest(ofFile: imagePath)
    }

    /// FNV-1a 64 of a file's bytes, as 16 hex digits.
    public static func digest(ofFile path: String) throws(DatasetError) -> String {
        fnv1aDigest(try contents(ofFile: path))
    }

    package static func contents(ofFile path: String) throws(DatasetError) -> [UInt8] {
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .unreadable(file: path, reason: reason(error))
        }
    }

    static let posixReasons: [Int: String] = [
        2: "no such file or folder", 13: "permission denied", 17: "a file of that name exists",
        20: "a part of the path is a file, not a folder", 21: "is a folder", 28: "no space left on the device",
        30: "read-only file system",
    ]

    /// A short reason without repeating the file name when the error already has it.
    package static func reason(_ error: any Error) -> String {
        switch error {
        case let e as ImageFileError: return e.reason
        case let PNGError.cannotRead(_, reason): return reason
        case let PNGError.invalidPNG(_, message): return "not a readable PNG: \(message)"
        case let PNGError.tooLarge(_, w, h, limit): return "PNG is \(w)x\(h), more than \(limit) pixels"
        case let e as CocoaError:
            switch e.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file or folder"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on the device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            case .fileWriteFileExists: return "a file of that name exists"
            default:
                if let posix = e.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain,
                   let text = posixReasons[posix.code] {
                    return text
                }
                return e.localizedDescription
            }
        default: return "\(error)"
        }
    }
}
