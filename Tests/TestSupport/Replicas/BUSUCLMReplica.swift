import Foundation
import Shared

extension Replica {
    /// BUS-UCLM as it unzips (`BUS-UCLM/` holding `images/`, `masks/`, `INFO.csv`, and a
    /// `__MACOSX/` beside it): five patients, 56 x 40 images (BUS-UCLM's 856 x 606 shape).
    /// Quirks: colour-coded RGB masks (green benign, red malignant, black normal), `;` as
    /// the separator, a mask whose colour disagrees with INFO.csv (BEJO_002: Malignant,
    /// drawn green), one patient's masks at half size (DOSA: resized) and one mask of
    /// another shape (EFRA_001: skipped, the mask named).
    public static func busUCLM(in root: String, seed: UInt64 = 12) throws -> Replica {
        let w = ReplicaWriter(root: root), paint = ReplicaPainter(site: 1, seed: seed)
        var r = Replica(format: "bus-uclm", path: root, folder: joinPathForTests(root, "BUS-UCLM"))
        let (W, H) = (56, 40)
        let patients: [(String, [LesionClass])] = [
            ("ALWI", [.normal, .benign, .benign]), ("BEJO", [.normal, .malignant, .malignant]),
            ("CAMU", [.normal, .normal, .benign]), ("DOSA", [.normal, .benign]), ("EFRA", [.normal, .malignant]),
        ]
        try w.text("__MACOSX/BUS-UCLM/._INFO.csv", "resource fork")
        var info = "Image;Resolution;Label;Doppler;Marks;Combined\n"
        var index = 0
        for (patient, labels) in patients {
            for (k, label) in labels.enumerated() {
                index += 1
                let name = String(format: "%@_%03d.png", patient, k)
                let s = paint.scan(label, index: index, width: W, height: H)
                try w.grayAsRGB("BUS-UCLM/images/" + name, width: W, height: H, s.gray)
                let drawn: LesionClass = patient == "BEJO" && k == 2 ? .benign : label
                let colour: (Float, Float, Float) = drawn == .malignant ? (1, 0, 0) : (0, 1, 0)
                var mask = s.mask
                if patient == "DOSA" {
                    mask = ReplicaPainter.resized(s.mask, from: (W, H), to: (W / 2, H / 2)).map { $0 >= 0.5 ? 1 : 0 }
                    try w.colourMask("BUS-UCLM/masks/" + name, width: W / 2, height: H / 2, mask, colour: colour)
                    mask = ReplicaPainter.resized(mask, from: (W / 2, H / 2), to: (W, H)).map { $0 >= 0.5 ? 1 : 0 }
                    if label.isAbnormal { r.resizedMasks.append("images/" + name) }
                } else if patient == "EFRA" && k == 1 {
                    try w.colourMask("BUS-UCLM/masks/" + name, width: 28, height: 28, [Float](repeating: 0, count: 28 * 28), colour: colour)
                    r.skipped.append("masks/" + name)   // the mask is what is at fault
                } else {
                    try w.colourMask("BUS-UCLM/masks/" + name, width: W, height: H, mask, colour: colour)
                }
                info += "\(name);\(W)x\(H);\(label.name.capitalized);No;No;No\n"
                if r.skipped.last == "masks/" + name { continue }
                if drawn != label { r.labelConflicts.append(["images/" + name]) }
                r.add("images/" + name, label, group: "patient " + patient, mask: label.isAbnormal ? mask : [])
            }
        }
        try w.text("BUS-UCLM/INFO.csv", info)
        return r
    }
}
