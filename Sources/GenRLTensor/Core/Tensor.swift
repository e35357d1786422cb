import Foundation

/// An n-dimensional array of `Float` on the CPU, stored contiguously in row-major order.
///
/// Tensors are reference types with immutable contents: every operation returns a new
/// tensor. When gradient recording is on (the default; see `withNoGrad`) and an input is
/// tracked, the result remembers the operation that made it, and `gradients(of:withRespectTo:)`
/// walks those records backwards. Parameters are leaves with `requiresGradient == true`.
public final class Tensor: @unchecked Sendable {
    /// The size of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The elements, row-major.
    public let storage: TensorStorage
    /// Whether gradients flow to this leaf. Operations on it are recorded.
    public var requiresGradient: Bool
    /// The operation that produced this tensor, kept when an input was tracked.
    let record: GradientRecord?

    /// Wraps `storage` with `shape`; the element counts must agree.
    public init(shape: [Int], storage: TensorStorage, requiresGradient: Bool = false) {
        let count = shape.reduce(1, *)
        if count != storage.count || shape.contains(where: { $0 < 0 }) {
            shapeFailure("Tensor", "shape \(shape) holds \(count) elements but the storage has \(storage.count)")
        }
        self.shape = shape
        self.storage = storage
        self.requiresGradient = requiresGradient
        self.record = nil
    }

    /// A result of an operation, recorded when `record` is given.
    init(shape: [Int], storage: TensorStorage, record: GradientRecord?) {
        self.shape = shape
        self.storage = storage
        self.requiresGradient = false
        self.record = record
    }

    /// A tensor holding `scalars` in row-major order with the given shape.
    public convenience init(_ scalars: [Float], shape: [Int]) {
        let count = shape.reduce(1, *)
        if count != scalars.count {
            shapeFailure("Tensor", "\(scalars.count) scalars do not fill shape \(shape) (\(count) elements)")
        }
        self.init(shape: shape, storage: TensorStorage(scalars))
    }

    /// A vector.
    public convenience init(_ scalars: [Float]) {
        self.init(scalars, shape: [scalars.count])
    }

    /// A matrix from its rows, which must have equal lengths.
    public convenience init(_ rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        if rows.contains(where: { $0.count != width }) {
            shapeFailure("Tensor", "rows have different lengths \(rows.map(\.count))")
        }
        self.init(rows.flatMap { $0 }, shape: [rows.count, width])
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float) {
        self.init([scalar], shape: [])
    }

    // MARK: Properties

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { storage.count }
    /// Whether operations on this tensor are recorded for gradients.
    public var isTracked: Bool { requiresGradient || record != nil }
    /// The elements, row-major.
    public var scalars: [Float] { Array(storage.buffer) }
    /// The only element of a one-element tensor.
    public var item: Float {
        if count != 1 { shapeFailure("item", "tensor of shape \(shape) has \(count) elements, not one") }
        return storage.pointer[0]
    }
    /// Size of dimension `axis` (negative counts from the end).
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis, operation: "size")] }

    /// The element at a full index, for tests and small inspections.
    public subscript(_ index: Int...) -> Float {
        if index.count != rank { shapeFailure("subscript", "index \(index) for shape \(shape)") }
        var offset = 0
        for (i, (position, size)) in zip(index, shape).enumerated() {
            if position < 0 || position >= size { shapeFailure("subscript", "index \(index) out of range for shape \(shape) at axis \(i)") }
            offset = offset * size + position
        }
        return storage.pointer[offset]
    }

    /// This tensor without its gradient history: same storage, not tracked.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// A leaf sharing this tensor's storage whose gradients are tracked.
    public func trackingGradient() -> Tensor {
        Tensor(shape: shape, storage: storage, requiresGradient: true)
    }

    /// Overwrites the elements in place, for optimizers and checkpoint loading. The
    /// tensor must not be the result of a recorded operation.
    public func withMutableScalars<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Copies the elements of `source`, which must have the same shape, into this tensor.
    public func assign(_ source: Tensor) {
        if source.shape != shape { shapeFailure("assign", "source shape \(source.shape) differs from \(shape)") }
        storage.pointer.update(from: source.storage.pointer, count: count)
    }

    /// Axis in `0..<rank` for a possibly negative `axis`.
    func normalizedAxis(_ axis: Int, operation: String, rank: Int? = nil) -> Int {
        let r = rank ?? self.rank
        let a = axis < 0 ? axis + r : axis
        if a < 0 || a >= Swift.max(r, 1) { shapeFailure(operation, "axis \(axis) out of range for shape \(shape)") }
        return a
    }
}

/// Stops with a message naming the operation and the shapes at fault. Shape errors are
/// programming errors, like an array index out of range.
func shapeFailure(_ operation: String, _ message: String) -> Never {
    fatalError("\(operation): \(message)")
}

extension Tensor: CustomStringConvertible {
    /// Shape and up to the first 8 elements.
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.5g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
