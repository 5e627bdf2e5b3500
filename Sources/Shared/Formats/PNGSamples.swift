internal import CPNG

extension PNGImage {
    /// The file's own channels, alpha not composited (`ImageFile.decode`): gray, gray +
    /// alpha, RGB or RGBA (palettes expanded to RGB, tRNS to alpha), 8-bit samples / 255 and
    /// 16-bit samples / 65535, color-space chunks removed as in `decode`.
    ///
    /// libpng's simplified API gives 16-bit output only premultiplied by alpha, so 16-bit
    /// color with alpha is un-premultiplied here: exact where alpha is 65535, otherwise the
    /// nearest 16-bit value to premultiplied * 65535 / alpha (libpng rounded the product, so
    /// the error grows as alpha shrinks), and 0 where alpha is 0.
    static func decodeSamples(_ original: [UInt8], name: String, maxPixels: Int) throws(ImageFileError) -> DecodedImage {
        let (bytes, complete) = scanChunks(original)
        do {
            return try bytes.withUnsafeBytes { raw -> DecodedImage in
                var image = png_image()
                image.version = UInt32(PNG_IMAGE_VERSION)
                defer { png_image_free(&image) }
                if png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) == 0 {
                    throw PNGError.invalidPNG(file: name, message: message(&image))
                }
                let width = Int(image.width), height = Int(image.height)
                let n = try ImageFile.checkPixels(width: width, height: height, maxPixels: maxPixels, name: name)
                let color = UInt32(PNG_FORMAT_FLAG_COLOR), alpha = UInt32(PNG_FORMAT_FLAG_ALPHA)
                let linear = UInt32(PNG_FORMAT_FLAG_LINEAR)
                // The file's format without COLORMAP: palettes come out expanded.
                image.format &= color | alpha | linear
                let hasAlpha = image.format & alpha != 0
                let channels = (image.format & color != 0 ? 3 : 1) + (hasAlpha ? 1 : 0)
                guard let stride = Int32(exactly: channels * width) else {
                    throw PNGError.tooLarge(file: name, width: width, height: height, maxPixels: maxPixels)
                }
                var samples = [Float](repeating: 0, count: channels * n)
                if image.format & linear != 0 {
                    var buffer = [UInt16](repeating: 0, count: channels * n)
                    let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, stride, nil) }
                    if ok == 0 { throw PNGError.invalidPNG(file: name, message: message(&image)) }
                    if hasAlpha { unpremultiply(&buffer, channels: channels) }
                    for i in buffer.indices { samples[i] = Float(buffer[i]) / 65535 }
                } else {
                    var buffer = [UInt8](repeating: 0, count: channels * n)
                    let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, stride, nil) }
                    if ok == 0 { throw PNGError.invalidPNG(file: name, message: message(&image)) }
                    for i in buffer.indices { samples[i] = Float(buffer[i]) / 255 }
                }
                guard complete else {
                    throw PNGError.invalidPNG(file: name, message: "file ends before the IEND chunk (truncated)")
                }
                return DecodedImage(width: width, height: height, channels: channels, samples: samples)
            }
        } catch let error as ImageFileError {
            throw error
        } catch {
            throw ImageFileError(png: error, name: name)
        }
    }

    /// pixels: [n, channels] 16-bit, color premultiplied by the last channel (alpha) ->
    /// color straight, rounded to nearest.
    static func unpremultiply(_ pixels: inout [UInt16], channels: Int) {
        for base in Swift.stride(from: 0, to: pixels.count, by: channels) {
            let a = Int(pixels[base + channels - 1])
            for c in base..<(base + channels - 1) {
                pixels[c] = a == 0 ? 0 : UInt16(min(65535, (Int(pixels[c]) * 65535 + a / 2) / a))
            }
        }
    }
}
