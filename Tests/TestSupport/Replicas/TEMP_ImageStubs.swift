import Shared
// TEMPORARY until the images branch lands.
enum JPEGImage { static func encodeRGB8(width: Int, height: Int, pixels: [Float], quality: Int) throws -> [UInt8] { try PNGImage.encodeRGB8(width: width, height: height, pixels: pixels) } }
enum BMPImage { static func encodeRGB24(width: Int, height: Int, pixels: [Float]) -> [UInt8] { (try? PNGImage.encodeRGB8(width: width, height: height, pixels: pixels)) ?? [] } }
