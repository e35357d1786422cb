import Foundation
import GenRLTensor

/// What an optimizer carries from one update to the next: named tensors (moment
/// estimates, momentum buffers) and named scalars (step counts, the learning rate).
///
/// Tensor names are `<parameter>.<slot>` with PyTorch's slot names (`exp_avg`,
/// `exp_avg_sq`, `momentum_buffer`); per-parameter scalars are `<parameter>.step`; the
/// optimizer-wide scalars are `step` (updates so far) and `learning_rate`. A checkpoint
/// writes the tensors to `optimizer.safetensors` and the scalars into its metadata
/// (`write(to:)` does both in one file); every scalar is a Double written with the
/// shortest decimal that reads back to the same bits, so a resumed run is exact.
public struct OptimizerState: Sendable {
    /// Per-parameter tensors by `<parameter>.<slot>`.
    public var tensors: [String: Tensor]
    /// Scalars by name: `step`, `learning_rate`, and `<parameter>.step` where kept.
    public var scalars: [String: Double]

    /// Metadata keys of the scalars start with this prefix (`optimizer.step`), so other
    /// metadata of the file (`format`) is ignored on reading.
    public static let metadataPrefix = "optimizer."

    /// A state from its tensors and scalars.
    public init(tensors: [String: Tensor] = [:], scalars: [String: Double] = [:]) {
        self.tensors = tensors
        self.scalars = scalars
    }

    /// The scalars as safetensors metadata: `optimizer.<name>` → exact decimal text.
    public var metadata: [String: String] {
        Dictionary(uniqueKeysWithValues: scalars.map { (Self.metadataPrefix + $0.key, "\($0.value)") })
    }

    /// The state from tensors and metadata as written by `metadata`; keys without the
    /// prefix are ignored, a value that is not a number is an error.
    public init(tensors: [String: Tensor], metadata: [String: String]) throws {
        var scalars: [String: Double] = [:]
        for (key, text) in metadata where key.hasPrefix(Self.metadataPrefix) {
            let name = String(key.dropFirst(Self.metadataPrefix.count))
            guard let value = Double(text) else { throw OptimizerStateError.invalidScalar(name: name, value: text) }
            scalars[name] = value
        }
        self.init(tensors: tensors, scalars: scalars)
    }

    /// Writes the tensors and the scalars (as metadata) to one safetensors file.
    public func write(to url: URL) throws {
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads a file written by `write(to:)`.
    public static func read(contentsOf url: URL) throws -> OptimizerState {
        let archive = try SafeTensors.read(contentsOf: url)
        do {
            return try OptimizerState(tensors: archive.tensors, metadata: archive.metadata)
        } catch let error as OptimizerStateError {
            throw OptimizerStateError.inFile(path: url.path, error)
        }
    }

    // MARK: Reading helpers for `restore`

    /// The scalar `name` as a count (a non-negative whole number).
    func count(_ name: String) throws -> Int {
        guard let value = scalars[name] else { throw OptimizerStateError.missingEntry(name) }
        guard value >= 0, value.rounded() == value, value < 1e15 else {
            throw OptimizerStateError.invalidScalar(name: name, value: "\(value)")
        }
        return Int(value)
    }

    /// The scalar `name` as a learning rate (finite, non-negative).
    func learningRate(_ name: String = "learning_rate") throws -> Float {
        guard let value = scalars[name] else { throw OptimizerStateError.missingEntry(name) }
        guard value.isFinite, value >= 0 else { throw OptimizerStateError.invalidScalar(name: name, value: "\(value)") }
        return Float(value)
    }

    /// The parameter names of the tensors, each of which must end with one of `slots`;
    /// every parameter must have all of them, with equal shapes.
    func parameterNames(slots: [String]) throws -> [String] {
        var names = Set<String>()
        for key in tensors.keys.sorted() {
            guard let slot = slots.first(where: { key.hasSuffix("." + $0) }) else {
                throw OptimizerStateError.unexpectedEntry(key)
            }
            names.insert(String(key.dropLast(slot.count + 1)))
        }
        for name in names {
            let shapes = try slots.map { slot in
                guard let tensor = tensors["\(name).\(slot)"] else { throw OptimizerStateError.missingEntry("\(name).\(slot)") }
                return tensor.shape
            }
            if Set(shapes).count > 1 { throw OptimizerStateError.shapeMismatch(name: name, shapes: shapes) }
        }
        return names.sorted()
    }

    /// Fails on a scalar not in `allowed`.
    func checkScalars(allowed: Set<String>) throws {
        if let unexpected = scalars.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw OptimizerStateError.unexpectedEntry(unexpected)
        }
    }
}

/// Why an optimizer state could not be restored.
public enum OptimizerStateError: Error, CustomStringConvertible, Equatable {
    /// A tensor or scalar the optimizer needs is absent.
    case missingEntry(String)
    /// A tensor or scalar this optimizer does not keep (a state of another optimizer).
    case unexpectedEntry(String)
    /// A scalar that is not a valid number for its role.
    case invalidScalar(name: String, value: String)
    /// The slots of one parameter have different shapes.
    case shapeMismatch(name: String, shapes: [[Int]])
    /// One of the errors above, found in the file at `path`.
    indirect case inFile(path: String, OptimizerStateError)

    /// The message, naming the entry (and file) at fault.
    public var description: String {
        switch self {
        case .missingEntry(let name): "optimizer state: missing entry \(name)"
        case .unexpectedEntry(let name): "optimizer state: unexpected entry \(name) (a state of another optimizer?)"
        case .invalidScalar(let name, let value): "optimizer state: scalar \(name) has invalid value \(value)"
        case .shapeMismatch(let name, let shapes): "optimizer state: the slots of \(name) have different shapes \(shapes)"
        case .inFile(let path, let error): "\(path): \(error)"
        }
    }
}
