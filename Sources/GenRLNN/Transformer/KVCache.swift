import GenRLTensor

/// The keys and values one attention layer has computed for the positions seen so far,
/// so that decoding a new token attends over them without recomputing them.
///
/// Keys and values are held as [B, H, S, d_h] (batch, head, position, head dimension) in
/// buffers allocated once for `capacity` positions; appending a token writes its row in
/// place, so a decoding step costs O(new tokens), not O(everything so far). All sequences
/// of the batch advance together: position s is the s-th token of every sequence. Left
/// padding is expressed by a key-padding mask (0 for a real token, −∞ for padding) that
/// the cache remembers for every stored position.
///
/// `KVCache` is a value: copying it (to branch a generation) shares the buffers until
/// one of the copies is written, which then copies them. A model with L layers keeps an
/// array of L caches, one per layer, each made on its own (`Array(repeating:count:)`
/// would make every layer copy the buffers on its first write).
///
/// ```swift
/// var caches = blocks.map { $0.makeCache(batchSize: 32, capacity: 64) }
/// var h = embed(prompt)                              // [32, 16, d]
/// for l in blocks.indices { h = blocks[l](h, cache: &caches[l], keyPaddingMask: padding) }
/// // then one token at a time: h = blocks[l](embed(token), cache: &caches[l])
/// ```
public struct KVCache: @unchecked Sendable {
    /// Number of sequences (B).
    public let batchSize: Int
    /// Number of attention heads (H).
    public let heads: Int
    /// Size of one head's keys and values (d_h).
    public let headDimension: Int
    /// Largest number of positions the cache can hold.
    public let capacity: Int
    /// Number of positions stored so far (S).
    public private(set) var length: Int = 0
    /// Whether any stored position carries a non-zero key-padding mask entry.
    public private(set) var hasKeyPaddingMask = false

    private var buffers: Buffers

    /// An empty cache for `batchSize` sequences of up to `capacity` positions.
    public init(batchSize: Int, heads: Int, headDimension: Int, capacity: Int) {
        precondition(batchSize > 0 && heads > 0 && headDimension > 0 && capacity > 0,
                     "KVCache: sizes must be positive (batch \(batchSize), heads \(heads), head dimension \(headDimension), capacity \(capacity))")
        self.batchSize = batchSize
        self.heads = heads
        self.headDimension = headDimension
        self.capacity = capacity
        buffers = Buffers(keyCount: batchSize * heads * capacity * headDimension, maskCount: batchSize * capacity)
    }

    /// Positions that can still be appended.
    public var remainingCapacity: Int { capacity - length }

    /// The stored keys, [B, H, S, d_h] (a copy).
    public var keys: Tensor { stored(buffers.keys) }
    /// The stored values, [B, H, S, d_h] (a copy).
    public var values: Tensor { stored(buffers.values) }
    /// The stored additive key-padding mask, [B, S] (a copy; zeros where none was given).
    public var keyPaddingMask: Tensor {
        let out = TensorStorage(uninitializedCount: batchSize * length)
        for b in 0..<batchSize {
            (out.pointer + b * length).update(from: buffers.mask.pointer + b * capacity, count: length)
        }
        return Tensor(shape: [batchSize, length], storage: out)
    }

    /// Forgets every stored position (the buffers are kept for reuse).
    public mutating func removeAll() {
        length = 0
        hasKeyPaddingMask = false
    }

    // MARK: Writing (for the attention kernel)

    /// Appends `count` positions: the keys and values of head h at new position t are read
    /// from `packedKeys`/`packedValues` + b·batchStride + t·rowStride + h·d_h (the packed
    /// [B, T, 3d] layout of a fused QKV projection). `newMask` holds the additive mask of
    /// the new positions ([B, count], row stride `maskRowStride`), or nil for zeros.
    mutating func append(count: Int, packedKeys: UnsafePointer<Float>, packedValues: UnsafePointer<Float>,
                         batchStride: Int, rowStride: Int, newMask: UnsafePointer<Float>?, maskRowStride: Int) {
        precondition(count <= remainingCapacity,
                     "KVCache: appending \(count) positions to \(length) exceeds the capacity \(capacity)")
        if !isKnownUniquelyReferenced(&buffers) { buffers = buffers.copy() }
        let dh = headDimension
        let keys = buffers.keys.pointer, values = buffers.values.pointer, mask = buffers.mask.pointer
        for b in 0..<batchSize {
            for h in 0..<heads {
                let slot = ((b * heads + h) * capacity + length) * dh
                for t in 0..<count {
                    let source = b * batchStride + t * rowStride + h * dh
                    (keys + slot + t * dh).update(from: packedKeys + source, count: dh)
                    (values + slot + t * dh).update(from: packedValues + source, count: dh)
                }
            }
            let maskRow = mask + b * capacity + length
            if let newMask {
                maskRow.update(from: newMask + b * maskRowStride, count: count)
            } else {
                maskRow.update(repeating: 0, count: count)
            }
        }
        if let newMask, !hasKeyPaddingMask {
            hasKeyPaddingMask = (0..<batchSize).contains { b in (0..<count).contains { newMask[b * maskRowStride + $0] != 0 } }
        }
        length += count
    }

    /// Overwrites the stored mask of the first `count` positions with the first `count`
    /// entries of each row of `mask` (rows `rowStride` apart), for a caller that passes
    /// the mask of every position at each step.
    mutating func replaceMask(_ mask: UnsafePointer<Float>, count: Int, rowStride: Int) {
        if !isKnownUniquelyReferenced(&buffers) { buffers = buffers.copy() }
        for b in 0..<batchSize {
            let row = mask + b * rowStride
            (buffers.mask.pointer + b * capacity).update(from: row, count: count)
            hasKeyPaddingMask = hasKeyPaddingMask || (0..<count).contains { row[$0] != 0 }
        }
    }

    /// Head (b, h)'s keys: `length` rows of d_h.
    func keyRows(batch b: Int, head h: Int) -> UnsafePointer<Float> {
        UnsafePointer(buffers.keys.pointer + (b * heads + h) * capacity * headDimension)
    }

    /// Head (b, h)'s values: `length` rows of d_h.
    func valueRows(batch b: Int, head h: Int) -> UnsafePointer<Float> {
        UnsafePointer(buffers.values.pointer + (b * heads + h) * capacity * headDimension)
    }

    /// Sequence b's additive mask over the stored positions.
    func maskRow(batch b: Int) -> UnsafePointer<Float> {
        UnsafePointer(buffers.mask.pointer + b * capacity)
    }

    /// The keys and values of the stored positions as separate [B, H, S, d_h] storages
    /// (kept by a recorded operation whose derivative needs them after the cache moves on).
    func snapshot() -> (keys: TensorStorage, values: TensorStorage) {
        (stored(buffers.keys).storage, stored(buffers.values).storage)
    }

    private func stored(_ buffer: TensorStorage) -> Tensor {
        let rows = length * headDimension
        let out = TensorStorage(uninitializedCount: batchSize * heads * rows)
        for pair in 0..<(batchSize * heads) {
            (out.pointer + pair * rows).update(from: buffer.pointer + pair * capacity * headDimension, count: rows)
        }
        return Tensor(shape: [batchSize, heads, length, headDimension], storage: out)
    }

    /// The preallocated buffers, shared between copies of a cache until one writes.
    private final class Buffers {
        let keys: TensorStorage
        let values: TensorStorage
        let mask: TensorStorage

        init(keyCount: Int, maskCount: Int) {
            keys = TensorStorage(uninitializedCount: keyCount)
            values = TensorStorage(uninitializedCount: keyCount)
            mask = TensorStorage(uninitializedCount: maskCount)
        }

        private init(keys: TensorStorage, values: TensorStorage, mask: TensorStorage) {
            self.keys = keys
            self.values = values
            self.mask = mask
        }

        func copy() -> Buffers {
            Buffers(keys: TensorStorage(keys.buffer), values: TensorStorage(values.buffer), mask: TensorStorage(mask.buffer))
        }
    }
}
