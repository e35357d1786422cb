/// A contiguous, 64-byte aligned buffer of `Float`s owned by one or more tensors.
///
/// Tensors treat their storage as immutable once an operation has produced it; the only
/// writers afterwards are optimizers and checkpoint loading, which update parameters in
/// place through `Tensor.withMutableScalars`. Reshaping shares the storage.
public final class TensorStorage: @unchecked Sendable {
    /// The first element.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int

    /// Allocates `count` uninitialised elements; the caller writes every one.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` elements set to `value`.
    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: value, count: count)
    }

    /// Copies `scalars` into new storage.
    public convenience init<C: Collection>(_ scalars: C) where C.Element == Float {
        self.init(uninitializedCount: scalars.count)
        _ = UnsafeMutableBufferPointer(start: pointer, count: count).initialize(from: scalars)
    }

    deinit { pointer.deallocate() }

    /// The elements as a read-only buffer.
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}
