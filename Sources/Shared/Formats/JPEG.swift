internal import CTurboJPEG

/// JPEG through TurboJPEG (libjpeg-turbo): its calls return error codes and keep the message
/// in the handle (`tjGetErrorStr2`), where libjpeg's own API reports errors by longjmp,
/// which Swift cannot catch.
///
/// Decoding uses libjpeg's defaults, as Pillow does: the accurate integer IDCT (no
/// TJFLAG_FASTDCT) and smooth ("fancy") chroma upsampling (no TJFLAG_FASTUPSAMPLE).
/// Grayscale files give one channel, every other YCbCr or RGB file three; CMYK is refused.
/// libjpeg's warnings (corrupt data it would paper over, a file cut short, whose missing
/// rows it would fill with gray) are errors here: a dataset should not train on the gray.
public enum JPEGImage {
    /// Chroma subsampling for the encoder.
    public enum Subsampling: Sendable {
        /// Full-resolution chroma.
        case none444
        /// Chroma at half width and half height (what Pillow and cjpeg write by default).
        case half420
    }

    /// An 8-bit YCbCr JPEG of an RGB image (TurboJPEG's accurate DCT). Values are quantized
    /// as PNG's writers do (clamped, rounded to the nearest of 0...255, NaN 0).
    /// pixels: [3, height, width] planar; quality: 1...100
    public static func encodeRGB8(width: Int, height: Int, pixels: [Float], quality: Int,
                                  subsampling: Subsampling = .half420, name: String = "JPEG data") throws(ImageFileError) -> [UInt8] {
        let n = try checkEncodeArguments(width: width, height: height, count: pixels.count, perPixel: 3, quality: quality, name: name)
        var hwc = [UInt8](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { hwc[3 * i + c] = PNGImage.quantize8(pixels[c * n + i]) }
        }
        let sampling = subsampling == .half420 ? TJSAMP_420 : TJSAMP_444
        return try encode(hwc, width: width, height: height, format: TJPF_RGB, channels: 3,
                          subsampling: sampling, quality: quality, name: name)
    }

    /// An 8-bit grayscale JPEG (quantized as in `encodeRGB8`).
    /// values: [height, width]; quality: 1...100
    public static func encodeGray8(width: Int, height: Int, values: [Float], quality: Int,
                                   name: String = "JPEG data") throws(ImageFileError) -> [UInt8] {
        _ = try checkEncodeArguments(width: width, height: height, count: values.count, perPixel: 1, quality: quality, name: name)
        return try encode(values.map(PNGImage.quantize8), width: width, height: height, format: TJPF_GRAY, channels: 1,
                          subsampling: TJSAMP_GRAY, quality: quality, name: name)
    }

    // MARK: - Decoding

    /// The size in the frame header.
    static func size(of bytes: [UInt8], name: String) throws(ImageFileError) -> (width: Int, height: Int) {
        let header = try withHandle(tjInitDecompress, name: name) { handle throws(ImageFileError) in
            try readHeader(handle, bytes, name: name)
        }
        return (header.width, header.height)
    }

    /// samples: [height, width, 1 or 3], value / 255.
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws(ImageFileError) -> DecodedImage {
        try withHandle(tjInitDecompress, name: name) { handle throws(ImageFileError) in
            let header = try readHeader(handle, bytes, name: name)
            guard !header.cmyk else { throw ImageFileError(file: name, reason: "JPEG: CMYK images are not supported") }
            let n = try ImageFile.checkPixels(width: header.width, height: header.height, maxPixels: maxPixels, name: name)
            try checkCodedSize(width: header.width, height: header.height, bytes: bytes.count, name: name)
            let channels = header.gray ? 1 : 3
            var buffer = [UInt8](repeating: 0, count: channels * n)
            // Stop at the first warning (it fails the decode anyway); refuse progressive files
            // with an absurd number of scans, which take unbounded time.
            let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
            let status = bytes.withUnsafeBufferPointer { src in
                buffer.withUnsafeMutableBufferPointer { dst in
                    tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, Int32(header.width),
                                  Int32(channels * header.width), Int32(header.height),
                                  Int32((header.gray ? TJPF_GRAY : TJPF_RGB).rawValue), flags)
                }
            }
            if status != 0 { throw unreadable(handle, name: name) }
            return DecodedImage(width: header.width, height: header.height, channels: channels,
                                samples: buffer.map { Float($0) / 255 })
        }
    }

    /// A declared size is trusted only as far as the bytes can back it: Huffman coding spends
    /// at least one bit on every 8 x 8 block of the first component (its DC code), so fewer
    /// bytes than blocks / 8 cannot hold the image, and its buffer is not allocated.
    /// (Arithmetic coding, which almost no writer uses, could in principle go below that for
    /// a large flat image; such a file is refused too.)
    static func checkCodedSize(width: Int, height: Int, bytes: Int, name: String) throws(ImageFileError) {
        let blocks = ((width + 7) / 8) * ((height + 7) / 8)
        guard blocks <= 8 * bytes else {
            throw ImageFileError(file: name, reason: "JPEG: \(width) x \(height) needs at least \((blocks + 7) / 8) bytes "
                                 + "of coded data, the file has \(bytes) (cut short)")
        }
    }

    /// The frame header: size, and whether the file is grayscale or CMYK (Adobe's CMYK or YCCK).
    static func readHeader(_ handle: tjhandle, _ bytes: [UInt8], name: String) throws(ImageFileError) -> (width: Int, height: Int, gray: Bool, cmyk: Bool) {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
        }
        if status != 0 { throw unreadable(handle, name: name) }
        guard width > 0, height > 0 else {
            throw ImageFileError(file: name, reason: "JPEG declares size \(width) x \(height)")
        }
        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        return (Int(width), Int(height), colorspace == Int32(TJCS_GRAY.rawValue), cmyk)
    }

    // MARK: - Encoding

    /// returns: width * height
    static func checkEncodeArguments(width: Int, height: Int, count: Int, perPixel: Int, quality: Int,
                                     name: String) throws(ImageFileError) -> Int {
        guard (1...100).contains(quality) else {
            throw ImageFileError(file: name, reason: "cannot write JPEG: quality \(quality) is outside 1...100")
        }
        // JPEG's frame header holds 16-bit sizes; libjpeg allows up to 65500.
        guard (1...65500).contains(width), (1...65500).contains(height) else {
            throw ImageFileError(file: name, reason: "cannot write JPEG: size \(width) x \(height) is outside 1...65500")
        }
        guard count == width * height * perPixel else {
            throw ImageFileError(file: name, reason: "cannot write JPEG: \(count) samples given for \(width) x \(height) x \(perPixel)")
        }
        return width * height
    }

    /// samples: [height, width, channels] 8-bit -> JPEG bytes.
    static func encode(_ samples: [UInt8], width: Int, height: Int, format: TJPF, channels: Int, subsampling: TJSAMP,
                       quality: Int, name: String) throws(ImageFileError) -> [UInt8] {
        try withHandle(tjInitCompress, name: name) { handle throws(ImageFileError) in
            var output: UnsafeMutablePointer<UInt8>? = nil
            var size: UInt = 0
            defer { tjFree(output) }
            let status = samples.withUnsafeBufferPointer {
                tjCompress2(handle, $0.baseAddress, Int32(width), Int32(channels * width), Int32(height),
                            Int32(format.rawValue), &output, &size, Int32(subsampling.rawValue), Int32(quality),
                            TJFLAG_ACCURATEDCT)
            }
            guard status == 0, let output else {
                throw ImageFileError(file: name, reason: "cannot write JPEG: turbojpeg: \(message(handle))")
            }
            return Array(UnsafeBufferPointer(start: output, count: Int(size)))
        }
    }

    // MARK: - Handles and errors

    /// Runs `body` with a fresh TurboJPEG handle (one per call: a handle is not thread-safe
    /// and holds the last error).
    static func withHandle<R>(_ make: () -> tjhandle?, name: String,
                              _ body: (tjhandle) throws(ImageFileError) -> R) throws(ImageFileError) -> R {
        guard let handle = make() else {
            throw ImageFileError(file: name, reason: "turbojpeg: cannot start: \(message(nil))")
        }
        defer { tjDestroy(handle) }
        return try body(handle)
    }

    static func unreadable(_ handle: tjhandle, name: String) -> ImageFileError {
        ImageFileError(file: name, reason: "not a readable JPEG: turbojpeg: \(message(handle))")
    }

    static func message(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}
