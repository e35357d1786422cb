import Foundation

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
        let raw = StoragePool.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride)
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

    deinit { StoragePool.release(UnsafeMutableRawPointer(pointer), byteCount: max(count, 1) * MemoryLayout<Float>.stride) }

    /// The elements as a read-only buffer.
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}

/// Keeps freed large buffers for reuse. Training steps allocate the same large shapes
/// again and again (logits, their gradients); handing a freed buffer back instead of
/// returning it to the system spares the page faults of fresh memory, which cost as much
/// as a cross-entropy pass. Buffers under 256 KB go straight to malloc; at most 256 MB
/// is kept.
enum StoragePool {
    static let smallestPooledBytes = 1 << 18
    static let capacityBytes = 1 << 28
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var pooledBytes = 0

    /// Sizes are rounded up to whole 4 KB pages so that near shapes share buffers.
    @inline(__always)
    static func bucket(_ byteCount: Int) -> Int { (byteCount + 4095) & ~4095 }

    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard byteCount >= smallestPooledBytes else {
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        }
        let size = bucket(byteCount)
        lock.lock()
        if let pointer = free[size]?.popLast() {
            pooledBytes -= size
            lock.unlock()
            return pointer
        }
        lock.unlock()
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    }

    static func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount >= smallestPooledBytes else { pointer.deallocate(); return }
        let size = bucket(byteCount)
        lock.lock()
        if pooledBytes + size <= capacityBytes {
            free[size, default: []].append(pointer)
            pooledBytes += size
            lock.unlock()
        } else {
            lock.unlock()
            pointer.deallocate()
        }
    }
}
