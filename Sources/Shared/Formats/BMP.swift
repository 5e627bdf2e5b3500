/// BMP (Windows bitmap) reading and writing, written here by hand (see `BMPHeader`).
///
/// Read policy (docs/FORMATS.md, "Image files"): uncompressed 1/4/8-bit palette, 16-bit
/// (5-5-5, or any BI_BITFIELDS masks), 24-bit and 32-bit pixels, rows bottom-up or top-down,
/// each padded to 4 bytes. A palette entry is value / 255, a masked field value / (its mask
/// shifted down), so 5-bit fields are v / 31. 32-bit BI_RGB has no alpha (the 4th byte is
/// unused: 3 channels); bit masks with a nonzero alpha mask give 4 channels. RLE4, RLE8,
/// JPEG- and PNG-in-BMP are refused.
public enum BMPImage {
    /// samples: [height, width, 3 or 4], row 0 the top row.
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws(ImageFileError) -> DecodedImage {
        let h = try BMPHeader.parse(bytes, name: name)
        let n = try ImageFile.checkPixels(width: h.width, height: h.height, maxPixels: maxPixels, name: name)
        // Bytes of one row, and the stride between rows (padded to 4 bytes); the last row's
        // padding may be missing. width * bits < 2^37 cannot overflow; rows * stride can.
        let rowBytes = (h.width * h.bitsPerPixel + 7) / 8
        let stride = (h.width * h.bitsPerPixel + 31) / 32 * 4
        let (rows, o1) = (h.height - 1).multipliedReportingOverflow(by: stride)
        let (needed, o2) = rows.addingReportingOverflow(rowBytes)
        let present = bytes.count - h.pixelOffset
        guard !o1, !o2, needed <= present else {
            throw ImageFileError(file: name, reason: "BMP: pixel data is cut short (\(present) bytes after offset "
                                 + "\(h.pixelOffset), \(h.width) x \(h.height) at \(h.bitsPerPixel) bits needs "
                                 + (o1 || o2 ? "more than 2^63)" : "\(needed))"))
        }
        let channels = h.bitsPerPixel >= 16 && h.masks[3] != 0 ? 4 : 3
        var samples = [Float](repeating: 0, count: channels * n)
        let fields = h.masks.prefix(channels).map(Field.init)
        for y in 0..<h.height {
            let row = h.pixelOffset + (h.topDown ? y : h.height - 1 - y) * stride
            var out = y * h.width * channels
            for x in 0..<h.width {
                switch h.bitsPerPixel {
                case 1, 4, 8:
                    let bits = h.bitsPerPixel, bitIndex = x * bits
                    let index = Int(bytes[row + bitIndex / 8] >> (8 - bits - bitIndex % 8)) & (1 << bits - 1)
                    if 3 * index + 2 < h.palette.count {
                        for c in 0..<3 { samples[out + c] = Float(h.palette[3 * index + c]) / 255 }
                    }
                case 24:
                    let at = row + 3 * x
                    for c in 0..<3 { samples[out + c] = Float(bytes[at + 2 - c]) / 255 }
                default:
                    let at = row + x * h.bitsPerPixel / 8
                    var pixel = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8
                    if h.bitsPerPixel == 32 { pixel |= UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
                    for c in 0..<channels { samples[out + c] = fields[c].value(pixel) }
                }
                out += channels
            }
        }
        return DecodedImage(width: h.width, height: h.height, channels: channels, samples: samples)
    }

    /// One channel of a 16- or 32-bit pixel: (pixel & mask) >> shift, over mask >> shift.
    struct Field {
        let mask: UInt32
        let shift: UInt32
        let maxval: Float

        init(_ mask: UInt32) {
            self.mask = mask
            shift = mask == 0 ? 0 : UInt32(mask.trailingZeroBitCount)
            maxval = Float(mask >> shift)
        }

        func value(_ pixel: UInt32) -> Float {
            mask == 0 ? 0 : Float((pixel & mask) >> shift) / maxval
        }
    }
}
