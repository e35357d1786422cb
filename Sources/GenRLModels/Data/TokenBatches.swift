import GenRLTensor

/// One batch of token sequences, right-padded to a common length.
///
/// `tokens` and `mask` are flattened row-major with shape [batchSize, length]: entry
/// (row, position) is at `row * length + position`. Row `row` holds
/// `lengths[row]` real tokens followed by `<pad>` (id 0); `mask` is 1 on real tokens
/// (`<bos>` and `<eos>` included) and 0 on padding.
public struct TokenBatch: Sendable, Equatable {
    /// Token ids, [batchSize, length] row-major, right-padded with `<pad>` = 0.
    public let tokens: [Int32]
    /// 1 where `tokens` holds a real token, 0 on padding; same shape as `tokens`.
    public let mask: [Float]
    /// The number of real tokens in each row.
    public let lengths: [Int]
    /// The number of rows.
    public let batchSize: Int
    /// The number of positions per row (the longest row, or the fixed length).
    public let length: Int
    /// For each row, the index of its sample in the batcher's sample list.
    public let sampleIndices: [Int]

    /// The real tokens of row `row` (no padding).
    public func row(_ row: Int) -> ArraySlice<Int32> {
        tokens[(row * length)..<(row * length + lengths[row])]
    }
}

/// Cuts encoded samples into shuffled, padded batches, one pass over the samples per
/// epoch.
///
/// Each sample becomes `<bos>` + its ids + `<eos>` (either marker optional). A sequence
/// longer than `maximumLength` is cut to its first `maximumLength` tokens, which drops
/// its `<eos>`: the model is not taught that the sample ends there.
///
/// Epoch `e` visits the samples in an order drawn from (`seed`, `e`) alone, so any
/// epoch can be rebuilt on its own (as a resumed run needs) and the same seed gives the
/// same batches on every platform. Every sample is in exactly one batch per epoch; the
/// last batch is smaller when the count is not a multiple of `batchSize`, unless
/// `dropsLastPartialBatch`.
public struct TokenBatches: Sendable {
    /// The sequences to batch, markers added and cut to `maximumLength`.
    public let sequences: [[Int32]]
    /// Rows per batch.
    public let batchSize: Int
    /// The seed of the per-epoch orders.
    public let seed: UInt64
    /// Whether each epoch visits the samples in a new random order (else in order).
    public let shuffles: Bool
    /// Whether an epoch leaves out its last, smaller batch.
    public let dropsLastPartialBatch: Bool
    /// When set, every batch is padded to this length instead of its longest row.
    public let paddedLength: Int?

    /// Batches already-encoded samples.
    ///
    /// - Parameters:
    ///   - encodedSamples: token ids per sample, without `<bos>`/`<eos>`.
    ///   - batchSize: rows per batch, at least 1.
    ///   - seed: seed of the per-epoch shuffles.
    ///   - addBeginToken: put `<bos>` (1) first (default `true`).
    ///   - addEndToken: put `<eos>` (2) last (default `true`).
    ///   - maximumLength: cut longer sequences to this many tokens; `nil` keeps all.
    ///   - padToMaximumLength: pad every batch to `maximumLength` (needs one) rather
    ///     than to its longest row.
    ///   - shuffle: draw a new order each epoch (default `true`).
    ///   - dropLastPartialBatch: leave out an epoch's last, smaller batch (default `false`).
    /// - Throws: `CorpusError.invalidArgument` for no samples, `batchSize < 1`,
    ///   `maximumLength < 1`, `padToMaximumLength` without `maximumLength`, a sample
    ///   that is empty once markers are added, or an epoch that would have no batch.
    public init(
        encodedSamples: [[Int]], batchSize: Int, seed: UInt64, addBeginToken: Bool = true, addEndToken: Bool = true,
        maximumLength: Int? = nil, padToMaximumLength: Bool = false, shuffle: Bool = true,
        dropLastPartialBatch: Bool = false
    ) throws(CorpusError) {
        guard !encodedSamples.isEmpty else { throw .invalidArgument("no samples to batch") }
        guard batchSize >= 1 else { throw .invalidArgument("batchSize must be at least 1, got \(batchSize)") }
        if let maximumLength, maximumLength < 1 {
            throw .invalidArgument("maximumLength must be at least 1, got \(maximumLength)")
        }
        guard !padToMaximumLength || maximumLength != nil else {
            throw .invalidArgument("padToMaximumLength needs a maximumLength")
        }
        guard !dropLastPartialBatch || encodedSamples.count >= batchSize else {
            throw .invalidArgument(
                "dropLastPartialBatch with \(encodedSamples.count) samples and batchSize \(batchSize) leaves no batch")
        }
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(encodedSamples.count)
        for (index, ids) in encodedSamples.enumerated() {
            var sequence: [Int32] = []
            sequence.reserveCapacity(ids.count + 2)
            if addBeginToken { sequence.append(Int32(Vocabulary.beginID)) }
            for id in ids { sequence.append(Int32(id)) }
            if addEndToken { sequence.append(Int32(Vocabulary.endID)) }
            if let maximumLength, sequence.count > maximumLength { sequence.removeLast(sequence.count - maximumLength) }
            guard !sequence.isEmpty else { throw .invalidArgument("sample \(index) has no tokens") }
            sequences.append(sequence)
        }
        self.sequences = sequences
        self.batchSize = batchSize
        self.seed = seed
        self.shuffles = shuffle
        self.dropsLastPartialBatch = dropLastPartialBatch
        self.paddedLength = padToMaximumLength ? maximumLength : nil
    }

    /// Encodes `samples` with `tokenizer` and batches them (options as in
    /// `init(encodedSamples:...)`).
    public init(
        samples: [String], tokenizer: some Tokenizer, batchSize: Int, seed: UInt64, addBeginToken: Bool = true,
        addEndToken: Bool = true, maximumLength: Int? = nil, padToMaximumLength: Bool = false, shuffle: Bool = true,
        dropLastPartialBatch: Bool = false
    ) throws(CorpusError) {
        try self.init(
            encodedSamples: samples.map { tokenizer.encode($0) }, batchSize: batchSize, seed: seed,
            addBeginToken: addBeginToken, addEndToken: addEndToken, maximumLength: maximumLength,
            padToMaximumLength: padToMaximumLength, shuffle: shuffle, dropLastPartialBatch: dropLastPartialBatch)
    }

    /// The number of samples.
    public var sampleCount: Int { sequences.count }

    /// The number of batches in each epoch.
    public var batchesPerEpoch: Int {
        dropsLastPartialBatch ? sequences.count / batchSize : (sequences.count + batchSize - 1) / batchSize
    }

    /// The order in which epoch `epoch` visits the samples (indices into `sequences`).
    public func order(epoch: Int) -> [Int] {
        guard shuffles else { return Array(sequences.indices) }
        // One independent stream per (seed, epoch): SplitMix64 seeding decorrelates the
        // nearby seeds that the odd multiplier spreads the epochs to.
        var random = RandomGenerator(seed: seed ^ (UInt64(bitPattern: Int64(epoch)) &* 0xD1B5_4A32_D192_ED03))
        return random.permutation(sequences.count)
    }

    /// All batches of epoch `epoch`, in order.
    public func batches(epoch: Int) -> [TokenBatch] {
        let order = order(epoch: epoch)
        return (0..<batchesPerEpoch).map { makeBatch(order[($0 * batchSize)..<min(($0 + 1) * batchSize, order.count)]) }
    }

    /// Batch `index` of epoch `epoch`.
    public func batch(_ index: Int, epoch: Int) -> TokenBatch {
        precondition((0..<batchesPerEpoch).contains(index), "batch \(index) out of range 0..<\(batchesPerEpoch)")
        let order = order(epoch: epoch)
        return makeBatch(order[(index * batchSize)..<min((index + 1) * batchSize, order.count)])
    }

    /// Pads the sequences at `sampleIndices` into one batch.
    private func makeBatch(_ sampleIndices: ArraySlice<Int>) -> TokenBatch {
        let rows = sampleIndices.map { sequences[$0] }
        let length = paddedLength ?? rows.map(\.count).max()!
        var tokens = [Int32](repeating: Int32(Vocabulary.paddingID), count: rows.count * length)
        var mask = [Float](repeating: 0, count: rows.count * length)
        for (row, sequence) in rows.enumerated() {
            for (position, token) in sequence.enumerated() {
                tokens[row * length + position] = token
                mask[row * length + position] = 1
            }
        }
        return TokenBatch(
            tokens: tokens, mask: mask, lengths: rows.map(\.count), batchSize: rows.count, length: length,
            sampleIndices: Array(sampleIndices))
    }
}
