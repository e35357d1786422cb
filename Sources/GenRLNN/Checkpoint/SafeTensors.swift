import Foundation
import GenRLTensor

/// Reading and writing the safetensors format (huggingface/safetensors), the checkpoint
/// format PyTorch users load with `safetensors.torch.load_file`.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}` padded with spaces to a multiple of 8, then the
/// tensors' bytes, row-major and little-endian, at the given offsets from the end of the
/// header. GenRL writes F32 (and I64 for integer tensors); it reads F64, F32, F16, BF16
/// and the integer types, converting floating types to Float and integers to Int32.
public enum SafeTensors {
    /// A read file: named tensors and the string metadata.
    public struct Archive: Sendable {
        /// Floating-point tensors by name.
        public var tensors: [String: Tensor]
        /// Integer tensors by name.
        public var integerTensors: [String: IntTensor]
        /// The `__metadata__` map.
        public var metadata: [String: String]

        /// The floating tensor `name`, or an error naming the file and the tensor.
        public func tensor(_ name: String) throws -> Tensor {
            guard let tensor = tensors[name] else { throw SafeTensorsError.missingTensor(name: name, path: path) }
            return tensor
        }

        /// The integer tensor `name`.
        public func integerTensor(_ name: String) throws -> IntTensor {
            guard let tensor = integerTensors[name] else { throw SafeTensorsError.missingTensor(name: name, path: path) }
            return tensor
        }

        /// Where the archive was read from ("" when built in memory).
        public var path: String = ""
    }

    /// Reads the file at `url`.
    public static func read(contentsOf url: URL) throws -> Archive {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SafeTensorsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        var archive = try decode(data, path: url.path)
        archive.path = url.path
        return archive
    }

    /// Writes `tensors` (as F32), `integerTensors` (as I64) and `metadata` to `url`,
    /// through a temporary file renamed into place, so a reader never sees half a file.
    public static func write(_ tensors: [String: Tensor], integerTensors: [String: IntTensor] = [:],
                             metadata: [String: String] = [:], to url: URL) throws {
        let data = encode(tensors, integerTensors: integerTensors, metadata: metadata)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the destination atomically.
            if rename(temporary.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }

    // MARK: Encoding

    /// The bytes of a safetensors file.
    public static func encode(_ tensors: [String: Tensor], integerTensors: [String: IntTensor] = [:],
                              metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            let begin = body.count
            body.append(UnsafeBufferPointer(start: tensor.storage.pointer, count: tensor.count))
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, body.count]]
        }
        for name in integerTensors.keys.sorted() {
            let tensor = integerTensors[name]!
            let begin = body.count
            let wide = tensor.scalars.map { Int64($0).littleEndian }
            wide.withUnsafeBufferPointer { body.append($0) }
            header[name] = ["dtype": "I64", "shape": tensor.shape, "data_offsets": [begin, body.count]]
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        return file
    }

    // MARK: Decoding

    /// Parses the bytes of a safetensors file; `path` names it in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> Archive {
        guard data.count >= 8 else { throw SafeTensorsError.malformed(path: path, reason: "shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw SafeTensorsError.malformed(path: path, reason: "header length \(headerLength) exceeds the file size \(data.count)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) as? [String: Any] else {
            throw SafeTensorsError.malformed(path: path, reason: "the header is not a JSON object")
        }
        var archive = Archive(tensors: [:], integerTensors: [:], metadata: [:])
        for (name, value) in header {
            if name == "__metadata__" {
                archive.metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw SafeTensorsError.malformed(path: path, reason: "entry \"\(name)\" lacks dtype, shape or data_offsets") }
            guard let elementType = ElementType(rawValue: dtype) else {
                throw SafeTensorsError.unsupportedType(name: name, dtype: dtype, path: path)
            }
            let count = shape.reduce(1, *)
            let (begin, end) = (dataStart + offsets[0], dataStart + offsets[1])
            guard offsets[0] >= 0, begin <= end, end <= data.count, end - begin == count * elementType.byteCount else {
                throw SafeTensorsError.malformed(path: path, reason: "entry \"\(name)\" has offsets \(offsets) that do not fit \(count) × \(dtype) in the file")
            }
            let bytes = data.subdata(in: begin..<end)
            if elementType.isFloatingPoint {
                archive.tensors[name] = Tensor(elementType.floats(bytes, count: count), shape: shape)
            } else {
                archive.integerTensors[name] = IntTensor(elementType.integers(bytes, count: count), shape: shape)
            }
        }
        return archive
    }

    /// Element types of the format.
    enum ElementType: String {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var byteCount: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }

        var isFloatingPoint: Bool { [.f64, .f32, .f16, .bf16].contains(self) }

        func floats(_ bytes: Data, count: Int) -> [Float] {
            bytes.withUnsafeBytes { raw in
                (0..<count).map { i -> Float in
                    switch self {
                    case .f64: Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    case .f32: Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case .f16: halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    case .bf16: Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                    default: 0
                    }
                }
            }
        }

        func integers(_ bytes: Data, count: Int) -> [Int32] {
            bytes.withUnsafeBytes { raw in
                (0..<count).map { i -> Int32 in
                    switch self {
                    case .i64: Int32(truncatingIfNeeded: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                    case .i32: Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                    case .i16: Int32(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                    case .i8: Int32(raw.loadUnaligned(fromByteOffset: i, as: Int8.self))
                    case .u8, .bool: Int32(raw.loadUnaligned(fromByteOffset: i, as: UInt8.self))
                    default: 0
                    }
                }
            }
        }
    }
}

/// IEEE half precision bits to Float (handles subnormals, infinities and NaN).
func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 31:
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }
}

/// What went wrong reading or writing a safetensors file; each names the file.
public enum SafeTensorsError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unsupportedType(name: String, dtype: String, path: String)
    case missingTensor(name: String, path: String)

    /// The message, beginning with the file at fault.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason): "\(path): cannot write: \(reason)"
        case .malformed(let path, let reason): "\(path): not a valid safetensors file: \(reason)"
        case .unsupportedType(let name, let dtype, let path): "\(path): tensor \"\(name)\" has unsupported type \(dtype)"
        case .missingTensor(let name, let path): "\(path.isEmpty ? "safetensors" : path): no tensor named \"\(name)\""
        }
    }
}
