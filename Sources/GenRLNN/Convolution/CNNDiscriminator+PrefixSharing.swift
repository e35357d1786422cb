import GenRLTensor

/// Scoring Monte Carlo completions of prefixes (SeqGAN's per-token rewards) while
/// convolving each window that lies inside the shared prefix only once.
///
/// ```swift
/// let cache = discriminator.prefixCache(for: sequences)                   // [B, T]
/// for p in 1..<T {
///     // 16 completions of every prefix, batch after batch: row r extends sequence r % B.
///     let completions = sampleCompletions(of: sequences, prefixLength: p, times: 16)  // [16·B, T]
///     let rewards = discriminator.realProbability(ofCompletions: completions, prefixLength: p, cache: cache)
///     // mean of rewards over the 16 completions → reward of token p − 1
/// }
/// let finalRewards = discriminator.realProbability(of: cache)             // the sequences themselves
/// ```
///
/// The cache is a snapshot of the embedding and convolution weights: build it again
/// after they change (the highway and output layers are read when scoring). Results are
/// values for rewards, never recorded for gradients.
extension CNNDiscriminator {
    /// The sequences being rolled out and their convolution maxima for every prefix length.
    public struct PrefixCache: Sendable {
        /// The sequences, [B, T].
        public let sequences: IntTensor
        /// Their per-prefix window maxima.
        public let maxima: TextConvolution.PrefixMaxima
    }

    /// Convolves all windows of `sequences` [B, T] once and keeps the maxima per prefix.
    public func prefixCache(for sequences: IntTensor) -> PrefixCache {
        checkTokens(sequences, operation: "CNNDiscriminator.prefixCache")
        let maxima = withNoGrad { convolution.prefixMaxima(embedding(sequences)) }
        return PrefixCache(sequences: sequences, maxima: maxima)
    }

    /// The probability that each cached sequence is real, [B]: the same values as
    /// `realProbability(cache.sequences)`, without convolving again.
    public func realProbability(of cache: PrefixCache) -> Tensor {
        withNoGrad { Self.realProbability(fromLogits: classify(convolution.pooledFeatures(of: cache.maxima))) }
    }

    /// The probability that each completion [R, T] is real, [R], where row r keeps the
    /// first `prefixLength` tokens of cached sequence `sources[r]`. Without `sources`, row
    /// r extends sequence r mod B, the layout of `prefix.repeat(N, 1)` in PyTorch (N
    /// completions of the whole batch, one batch after another).
    ///
    /// Stops with a message naming the row when a completion does not start with its
    /// sequence's prefix.
    public func realProbability(ofCompletions completions: IntTensor, prefixLength: Int, cache: PrefixCache,
                                sources: [Int]? = nil) -> Tensor {
        checkTokens(completions, operation: "CNNDiscriminator.realProbability(ofCompletions:)")
        let (count, length) = (completions.shape[0], completions.shape[1])
        let sequenceCount = cache.sequences.shape[0]
        guard length == cache.sequences.shape[1], prefixLength >= 0, prefixLength <= length else {
            fatalError("CNNDiscriminator.realProbability(ofCompletions:): completions \(completions.shape) with prefix length \(prefixLength) do not fit cached sequences \(cache.sequences.shape)")
        }
        let sources = sources ?? (0..<count).map { $0 % sequenceCount }
        guard sources.count == count else {
            fatalError("CNNDiscriminator.realProbability(ofCompletions:): \(sources.count) sources for \(count) completions")
        }
        completions.scalars.withUnsafeBufferPointer { rows in
            cache.sequences.scalars.withUnsafeBufferPointer { originals in
                for (r, source) in sources.enumerated() {
                    guard source >= 0 && source < sequenceCount else {
                        fatalError("CNNDiscriminator.realProbability(ofCompletions:): source \(source) of completion \(r) is outside 0..<\(sequenceCount)")
                    }
                    for t in 0..<prefixLength where rows[r * length + t] != originals[source * length + t] {
                        fatalError("CNNDiscriminator.realProbability(ofCompletions:): completion \(r) differs from the prefix of sequence \(source) at position \(t)")
                    }
                }
            }
        }
        return withNoGrad {
            let features = convolution.pooledFeatures(embedding(completions), sharingPrefixesWith: cache.maxima,
                                                      prefixLength: prefixLength, sources: sources)
            return Self.realProbability(fromLogits: classify(features))
        }
    }
}
