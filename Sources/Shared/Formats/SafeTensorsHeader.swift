import Foundation

/// Header validation for `SafeTensorsReader`: JSON parsing, entry types, sizes, bounds.
extension SafeTensorsReader {
    /// Parses the header bytes as a JSON object. Requires UTF-8 without NUL bytes, so that
    /// JSONSerialization's encoding detection cannot read the bytes as UTF-16 or UTF-32.
    static func parseHeader(_ header: Data, file: String) throws(SafeTensorsError) -> [String: Any] {
        if header.contains(0) {
            throw .invalidJSON(file: file, reason: "header contains a NUL byte")
        }
        guard String(validating: header, as: UTF8.self) != nil else {
            throw .invalidJSON(file: file, reason: "header is not UTF-8")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: header, options: [.fragmentsAllowed])
        } catch {
            throw .invalidJSON(file: file, reason: "\(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else { throw .headerNotObject(file: file) }
        return object
    }

    /// Validates one tensor entry against a data section of `dataSize` bytes.
    static func parseEntry(_ value: Any, name: String, dataSize: Int,
                           file: String) throws(SafeTensorsError) -> SafeTensorsEntry {
        func invalid(_ reason: String) -> SafeTensorsError {
            .invalidEntry(file: file, tensor: name, reason: reason)
        }
        guard let object = value as? [String: Any] else { throw invalid("entry is not an object") }
        guard let dtypeValue = object["dtype"] else { throw invalid("missing \"dtype\"") }
        guard let shapeValue = object["shape"] else { throw invalid("missing \"shape\"") }
        guard let offsetsValue = object["data_offsets"] else { throw invalid("missing \"data_offsets\"") }
        guard let dtypeName = dtypeValue as? String else { throw invalid("\"dtype\" is not a string") }
        guard let shapeArray = shapeValue as? [Any] else { throw invalid("\"shape\" is not an array") }
        guard let offsetsArray = offsetsValue as? [Any], offsetsArray.count == 2 else {
            throw invalid("\"data_offsets\" is not an array of two integers")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(file: file, tensor: name, dtype: dtypeName)
        }

        var shape: [Int] = []
        for element in shapeArray {
            guard let dimension = jsonInteger(element) else {
                throw invalid("\"shape\" element \(element) is not an integer")
            }
            shape.append(Int(dimension))
        }
        if shape.contains(where: { $0 < 0 }) {
            throw .negativeDimension(file: file, tensor: name, shape: shape)
        }
        if let huge = shape.first(where: { $0 > maxJSONInteger }) {
            throw invalid("\"shape\" element \(huge) is larger than 2^53")
        }

        var offsets: [Int] = []
        for element in offsetsArray {
            guard let offset = jsonInteger(element), offset >= 0, offset <= maxJSONInteger else {
                throw invalid("\"data_offsets\" element \(element) is not an integer in 0...2^53")
            }
            offsets.append(Int(offset))
        }
        let begin = offsets[0], end = offsets[1]
        guard begin <= end else {
            throw .offsetsReversed(file: file, tensor: name, begin: begin, end: end)
        }

        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .sizeOverflow(file: file, tensor: name, shape: shape) }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw .sizeOverflow(file: file, tensor: name, shape: shape) }
        guard byteCount == end - begin else {
            throw .sizeMismatch(file: file, tensor: name, expectedBytes: byteCount, actualBytes: end - begin)
        }
        guard end <= dataSize else {
            throw .offsetsOutOfBounds(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, elementCount: count,
                                dataOffsets: begin..<end)
    }

    /// Rejects two tensors sharing a byte. Empty tensors occupy no bytes and never overlap.
    static func checkOverlaps(_ entries: [SafeTensorsEntry], file: String) throws(SafeTensorsError) {
        let occupied = entries.filter { !$0.dataOffsets.isEmpty }.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
        }
        // Sorted by start and disjoint so far, so the previous range ends furthest right.
        for (previous, current) in zip(occupied, occupied.dropFirst())
        where current.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
            throw .overlappingTensors(file: file, first: previous.name, second: current.name)
        }
    }

    /// An exact integer from JSONSerialization's output; nil for strings, booleans,
    /// floating-point numbers (even `2.0`) and integers beyond Int64.
    static func jsonInteger(_ value: Any) -> Int64? {
        guard let number = value as? NSNumber, !(number is NSDecimalNumber) else { return nil }
        switch String(cString: number.objCType) {
        case "s", "i", "l", "q":
            return number.int64Value
        case "S", "I", "L", "Q":
            let unsigned = number.uint64Value
            return unsigned <= UInt64(Int64.max) ? Int64(unsigned) : nil
        default:
            // "c" is a boolean, "f" and "d" are floating point.
            return nil
        }
    }
}
