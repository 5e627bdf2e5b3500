import Foundation
import Shared

extension Replica {
    /// BUS-BRA as it unzips (`BUSBRA/` with `Images/`, `Masks/`, `bus_data.csv` and
    /// `5-fold-cv.csv`): 8 images of 5 patients (cases 1 and 4 left and right breast;
    /// case 5 has a benign and a malignant lesion: one group, a shot of either class), no
    /// normals.
    public static func busBRA(in root: String, seed: UInt64 = 13) throws -> Replica {
        let w = ReplicaWriter(root: root), paint = ReplicaPainter(site: 2, seed: seed)
        var r = Replica(format: "bus-bra", path: root, folder: joinPathForTests(root, "BUSBRA"))
        let (W, H) = (44, 36)
        let images: [(id: String, patient: Int, label: LesionClass)] = [
            ("bus_0001-l", 1, .benign), ("bus_0001-r", 1, .benign), ("bus_0002-l", 2, .benign), ("bus_0003-s", 3, .benign),
            ("bus_0004-l", 4, .malignant), ("bus_0004-r", 4, .malignant), ("bus_0005-l", 5, .benign), ("bus_0005-r", 5, .malignant),
        ]
        var table = "ID,Case,Histology,Pathology,BIRADS,Device,Height,Width,Side,BBOX\n"
        var folds = "ID,Case,kFold\n"
        for (i, image) in images.enumerated() {
            let s = paint.scan(image.label, index: i, width: W, height: H)
            try w.gray("BUSBRA/Images/\(image.id).png", width: W, height: H, s.gray)
            try w.gray("BUSBRA/Masks/mask_\(image.id.dropFirst(4)).png", width: W, height: H, s.mask)
            table += "\(image.id),\(image.patient),Fibroadenoma,\(image.label.name),4,1,\(H),\(W),left,\"[1, 1, 5, 5]\"\n"
            folds += "\(image.id),\(image.patient),\(i % 5 + 1)\n"
            r.add("Images/\(image.id).png", image.label, group: "case \(image.patient)", mask: s.mask)
        }
        try w.text("BUSBRA/bus_data.csv", table)
        try w.text("BUSBRA/5-fold-cv.csv", folds)
        return r
    }

    /// BrEaST (Breast-Lesions-USG) as downloaded: the image folder and, beside it (in the
    /// parent), the clinical table `BrEaST-Lesions-USG-clinical-data.xlsx`. 8 cases: two
    /// normal without a tumour mask, a benign case with two tumour masks listed with `&`,
    /// `_other` masks that are not lesions, numeric CaseIDs.
    public static func breast(in root: String, seed: UInt64 = 14) throws -> Replica {
        let w = ReplicaWriter(root: root), paint = ReplicaPainter(site: 3, seed: seed)
        let d = "BrEaST-Lesions_USG-images_and_masks/"
        var r = Replica(format: "breast-lesions-usg", path: joinPathForTests(root, d), folder: joinPathForTests(root, "BrEaST-Lesions_USG-images_and_masks"))
        let (W, H) = (48, 36)
        let labels: [LesionClass] = [.normal, .normal, .benign, .benign, .benign, .malignant, .malignant, .malignant]
        var rows: [[String?]] = [["CaseID", "Image_filename", "Mask_tumor_filename", "Mask_other_filename", "Age", "Classification"]]
        for (i, label) in labels.enumerated() {
            let c = String(format: "case%03d", i + 1)
            let s = paint.scan(label, index: i, width: W, height: H)
            try w.gray(d + c + ".png", width: W, height: H, s.gray)
            var tumour: String?, other: String?, merged = s.mask
            if label.isAbnormal {
                if i == 2 {
                    var second = [Float](repeating: 0, count: W * H)
                    for y in 30..<34 { for x in 40..<46 { second[y * W + x] = 1 } }
                    try w.gray(d + c + "_tumor1.png", width: W, height: H, s.mask)
                    try w.gray(d + c + "_tumor2.png", width: W, height: H, second)
                    tumour = "\(c)_tumor1.png&\(c)_tumor2.png"
                    merged = zip(s.mask, second).map { max($0, $1) }
                } else {
                    try w.gray(d + c + "_tumor.png", width: W, height: H, s.mask)
                    tumour = c + "_tumor.png"
                }
            }
            if i == 4 || i == 6 {
                var structure = [Float](repeating: 0, count: W * H)
                for y in 0..<4 { for x in 0..<W { structure[y * W + x] = 1 } }
                try w.gray(d + c + "_other1.png", width: W, height: H, structure)
                other = c + "_other1.png"
            }
            rows.append(["\(i + 1)", c + ".png", tumour, other, "\(40 + i)", label.name])
            r.add(c + ".png", label, group: "case \(i + 1)", mask: label.isAbnormal ? merged : [])
        }
        try XLSXWriter.write([.init(name: "BrEaST-Lesions-USG", rows: rows), .init(name: "Notes", rows: [["not a table"]])],
                             to: URL(fileURLWithPath: w.path("BrEaST-Lesions-USG-clinical-data.xlsx")))
        return r
    }

    /// UDIAT Dataset B: `DatasetB/original/000001.png`..., `GT/` with the masks and
    /// `DatasetB.xlsx` (Image as a number, Type): 3 benign, 3 malignant.
    public static func udiat(in root: String, seed: UInt64 = 15) throws -> Replica {
        let w = ReplicaWriter(root: root), paint = ReplicaPainter(site: 4, seed: seed)
        var r = Replica(format: "udiat-b", path: root, folder: joinPathForTests(root, "DatasetB"))
        let (W, H) = (40, 40)
        var rows: [[String?]] = [["Image", "Type"]]
        for (i, label) in [LesionClass.benign, .malignant, .benign, .malignant, .benign, .malignant].enumerated() {
            let name = String(format: "%06d.png", i + 1)
            let s = paint.scan(label, index: i, width: W, height: H)
            try w.gray("DatasetB/original/" + name, width: W, height: H, s.gray)
            try w.gray("DatasetB/GT/" + name, width: W, height: H, s.mask)
            rows.append(["\(i + 1)", label.name.capitalized])
            r.add("original/" + name, label, mask: s.mask)
        }
        try XLSXWriter.write([.init(name: "Sheet1", rows: rows)], to: URL(fileURLWithPath: w.path("DatasetB/DatasetB.xlsx")))
        return r
    }

    /// A CSV manifest with a `patient` column and images in all three file formats: a PNG,
    /// a JPEG and a BMP scan; patients P1 (two images) and P2, and an image of no patient.
    public static func manifest(in root: String, seed: UInt64 = 16) throws -> Replica {
        let w = ReplicaWriter(root: root), paint = ReplicaPainter(site: 5, seed: seed)
        var r = Replica(format: "csv", path: joinPathForTests(root, "lists/site.csv"), folder: joinPathForTests(root, "lists"))
        let (W, H) = (32, 32)
        var text = "image,mask,label,patient\n"
        let rows: [(file: String, label: LesionClass, patient: String)] = [
            ("n1.png", .normal, "P1"), ("n2.jpg", .normal, "P2"), ("n3.bmp", .normal, ""),
            ("b1.png", .benign, "P1"), ("b2.jpg", .benign, "P2"), ("m1.bmp", .malignant, ""), ("m2.png", .malignant, "P3"),
        ]
        for (i, row) in rows.enumerated() {
            let s = paint.scan(row.label, index: i, width: W, height: H)
            let path = "img/" + row.file
            switch (row.file as NSString).pathExtension {
            case "jpg": try w.jpeg(path, width: W, height: H, s.gray)
            case "bmp": try w.bmp(path, width: W, height: H, s.gray)
            default: try w.gray(path, width: W, height: H, s.gray)
            }
            var mask = ""
            if row.label.isAbnormal {
                mask = "../img/" + (row.file as NSString).deletingPathExtension + "_mask.png"
                try w.gray("img/" + (row.file as NSString).deletingPathExtension + "_mask.png", width: W, height: H, s.mask)
            }
            text += "../\(path),\(mask),\(row.label.name),\(row.patient)\n"
            r.add("../" + path, row.label, group: row.patient.isEmpty ? nil : "patient " + row.patient, mask: s.mask)
        }
        try w.text("lists/site.csv", text)
        return r
    }
}
