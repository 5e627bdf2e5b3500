import Foundation
import Shared

extension Replica {
    /// BUSI as it unzips (`Dataset_BUSI_with_GT/` with a `__MACOSX/` beside it): 4 normal,
    /// 5 benign, 4 malignant images, 40 x 32. Quirks: RGB scans, one RGB mask, one black
    /// RGBA mask whose alpha draws the lesion, a second mask `_mask_1` OR-merged, a normal
    /// image with an all-black mask, an exact duplicate (benign (5) = benign (2)), a near
    /// duplicate (benign (4): benign (1) at 3/4 size, brighter), a cross-label duplicate
    /// (malignant (4) = benign (3), a label conflict) and hidden files.
    public static func busi(in root: String, seed: UInt64 = 11) throws -> Replica {
        let w = ReplicaWriter(root: root), paint = ReplicaPainter(site: 0, seed: seed)
        var r = Replica(format: "busi", path: root, folder: joinPathForTests(root, "Dataset_BUSI_with_GT"))
        let d = "Dataset_BUSI_with_GT/"
        let (W, H) = (40, 32)
        try w.text("__MACOSX/Dataset_BUSI_with_GT/._benign", "resource fork")
        try w.text(d + ".DS_Store", "finder")
        for k in 1...4 {
            let s = paint.scan(.normal, index: k, width: W, height: H)
            try w.grayAsRGB(d + "normal/normal (\(k)).png", width: W, height: H, s.gray)
            if k == 1 { try w.gray(d + "normal/normal (1)_mask.png", width: W, height: H, s.mask) }
            r.add("normal/normal (\(k)).png", .normal, mask: [])
        }
        for k in 1...3 {
            let s = paint.scan(.benign, index: k, width: W, height: H)
            try w.grayAsRGB(d + "benign/benign (\(k)).png", width: W, height: H, s.gray)
            switch k {
            case 1: try w.colourMask(d + "benign/benign (1)_mask.png", width: W, height: H, s.mask, colour: (1, 1, 1))
            case 2: try w.alphaMask(d + "benign/benign (2)_mask.png", width: W, height: H, s.mask)
            default: try w.gray(d + "benign/benign (3)_mask.png", width: W, height: H, s.mask)
            }
            r.add("benign/benign (\(k)).png", .benign, mask: s.mask)
            if k == 1 {
                // benign (4): benign (1) at 3/4 size and 15% brighter, its mask resized alike.
                let (w4, h4) = (30, 24)
                let gray = ReplicaPainter.resized(s.gray, from: (W, H), to: (w4, h4)).map { min(1, $0 * 1.15) }
                let mask = ReplicaPainter.resized(s.mask, from: (W, H), to: (w4, h4)).map { $0 >= 0.5 ? Float(1) : 0 }
                try w.grayAsRGB(d + "benign/benign (4).png", width: w4, height: h4, gray)
                try w.gray(d + "benign/benign (4)_mask.png", width: w4, height: h4, mask)
                r.add("benign/benign (4).png", .benign, mask: mask)
                r.duplicates.append(["benign/benign (1).png", "benign/benign (4).png"])
            }
            if k == 2 {
                try w.copy(d + "benign/benign (2).png", to: d + "benign/benign (5).png")
                try w.copy(d + "benign/benign (2)_mask.png", to: d + "benign/benign (5)_mask.png")
                r.add("benign/benign (5).png", .benign, mask: s.mask)
                r.duplicates.append(["benign/benign (2).png", "benign/benign (5).png"])
            }
            if k == 3 {
                try w.copy(d + "benign/benign (3).png", to: d + "malignant/malignant (4).png")
                try w.copy(d + "benign/benign (3)_mask.png", to: d + "malignant/malignant (4)_mask.png")
                r.add("malignant/malignant (4).png", .malignant, mask: s.mask)
                r.duplicates.append(["benign/benign (3).png", "malignant/malignant (4).png"])
                r.labelConflicts.append(["benign/benign (3).png", "malignant/malignant (4).png"])
            }
        }
        for k in 1...3 {
            let s = paint.scan(.malignant, index: k, width: W, height: H)
            try w.grayAsRGB(d + "malignant/malignant (\(k)).png", width: W, height: H, s.gray)
            try w.gray(d + "malignant/malignant (\(k))_mask.png", width: W, height: H, s.mask)
            var merged = s.mask
            if k == 2 {   // a second lesion in its own mask file
                var second = [Float](repeating: 0, count: W * H)
                for y in 2..<6 { for x in 2..<8 { second[y * W + x] = 1 } }
                try w.gray(d + "malignant/malignant (2)_mask_1.png", width: W, height: H, second)
                merged = zip(merged, second).map { max($0, $1) }
            }
            r.add("malignant/malignant (\(k)).png", .malignant, mask: merged)
        }
        return r
    }
}
