import GenRLTensor

/// Reusing the windows that completions share with the sequences they extend.
///
/// SeqGAN scores each prefix x[0..<p] of a sequence by Monte Carlo: it samples N
/// completions (16 in the paper) that keep the prefix and scores each with the
/// discriminator. A window of width k starting at t with t + k ≤ p lies inside the prefix,
/// so its response is the same in every completion, and the same as in the original
/// sequence. `PrefixMaxima` keeps, for every sequence and prefix length p, the maximum
/// response of each filter over the windows inside x[0..<p]; a completion then needs
/// only the windows that reach past the prefix (start ≥ p − k + 1):
///
///     c[r, f] = relu( max( prefixMaximum[source(r), p, f],  max_{t ≥ p−k+1} response[r, t, f] ) + bias[f] )
///
/// For SeqGAN's discriminator over length 20 (widths 1–10, 15, 20) this skips about a
/// third of the convolution's multiply-adds summed over p = 1 … 19, and the original
/// sequences' own features come out of the cache for free (p = T).
///
/// These paths compute values only: the results are never recorded for gradients. The
/// maxima are a snapshot of the weights they were computed with; compute them again after
/// the weights change.
extension TextConvolution {
    /// For a batch of sequences [B, T], the largest response (before bias) of each filter
    /// over the windows inside each prefix x[0..<p], p = 0 … T; −∞ when no window fits.
    public struct PrefixMaxima: Sendable {
        /// B, the number of sequences.
        public let sequenceCount: Int
        /// T, their length.
        public let length: Int
        /// Σ n_k.
        let featureCount: Int
        /// [B, T + 1, Σ n_k].
        let values: TensorStorage

        /// The maximum of feature `feature` of sequence `sequence` over windows inside its
        /// first `prefixLength` tokens (before bias and ReLU).
        public func maximum(sequence: Int, prefixLength: Int, feature: Int) -> Float {
            precondition(sequence >= 0 && sequence < sequenceCount && prefixLength >= 0 && prefixLength <= length
                         && feature >= 0 && feature < featureCount,
                         "PrefixMaxima: sequence \(sequence), prefix \(prefixLength), feature \(feature) out of range for [\(sequenceCount), \(length + 1), \(featureCount)]")
            return values.pointer[(sequence * (length + 1) + prefixLength) * featureCount + feature]
        }
    }

    /// The prefix maxima of embedded sequences x [B, T, E].
    public func prefixMaxima(_ x: Tensor) -> PrefixMaxima {
        let (sequenceCount, length) = checkedInput(x, operation: "TextConvolution.prefixMaxima")
        let featureCount = outputSize
        let layouts = bankLayouts()
        let values = TensorStorage(uninitializedCount: sequenceCount * (length + 1) * featureCount)
        let rowStride = featureCount, sequenceStride = (length + 1) * featureCount
        WindowConvolution.forEachBlock(
            input: x.storage.pointer, sequenceCount: sequenceCount, length: length, embeddingSize: embeddingSize,
            banks: layouts, firstWindow: { _ in 0 }
        ) { bank, sequences, _, windowCount, responses in
            let layout = layouts[bank]
            Parallel.forEachChunk(sequences.count, grain: 16) { chunk in
                for s in chunk {
                    let destination = values.pointer + (sequences.lowerBound + s) * sequenceStride + layout.featureOffset
                    for p in 0..<layout.width {
                        (destination + p * rowStride).update(repeating: -.infinity, count: layout.count)
                    }
                    // p ≥ k: the windows t ≤ p − k, one more than for p − 1.
                    for p in layout.width...length {
                        let row = destination + p * rowStride, previous = row - rowStride
                        let newest = responses + (s * windowCount + p - layout.width) * layout.count
                        WindowConvolution.mergeMaxima(previous, newest, into: row, count: layout.count)
                    }
                }
            }
        }
        return PrefixMaxima(sequenceCount: sequenceCount, length: length, featureCount: featureCount, values: values)
    }

    /// The pooled features [B, Σ n_k] of the sequences the maxima were computed from: the
    /// values `callAsFunction` gives for them, not recorded for gradients.
    public func pooledFeatures(of maxima: PrefixMaxima) -> Tensor {
        let output = maxima.gather(sources: Array(0..<maxima.sequenceCount), prefixLength: maxima.length)
        rectifyFeatures(output, rows: maxima.sequenceCount)
        return Tensor(shape: [maxima.sequenceCount, outputSize], storage: output)
    }

    /// The pooled features [R, Σ n_k] of embedded completions x [R, T, E] whose first
    /// `prefixLength` positions equal those of the cached sequences `sources[r]` (the
    /// caller guarantees this; `CNNDiscriminator` checks the tokens). Only windows that
    /// reach past the prefix are convolved. Not recorded for gradients.
    public func pooledFeatures(_ x: Tensor, sharingPrefixesWith maxima: PrefixMaxima, prefixLength: Int,
                               sources: [Int]) -> Tensor {
        let (count, length) = checkedInput(x, operation: "TextConvolution.pooledFeatures")
        guard length == maxima.length, sources.count == count, prefixLength >= 0, prefixLength <= length,
              maxima.featureCount == outputSize else {
            fatalError("TextConvolution.pooledFeatures: \(count) completions of length \(length) with \(sources.count) sources and prefix \(prefixLength) do not fit maxima of \(maxima.sequenceCount) sequences of length \(maxima.length)")
        }
        if let bad = sources.first(where: { $0 < 0 || $0 >= maxima.sequenceCount }) {
            fatalError("TextConvolution.pooledFeatures: source \(bad) out of range 0..<\(maxima.sequenceCount)")
        }
        let featureCount = outputSize
        let layouts = bankLayouts()
        // Start from the prefix maxima, then merge the windows that reach past the prefix.
        let output = maxima.gather(sources: sources, prefixLength: prefixLength)
        WindowConvolution.forEachBlock(
            input: x.storage.pointer, sequenceCount: count, length: length, embeddingSize: embeddingSize,
            banks: layouts, firstWindow: { Swift.max(0, prefixLength - layouts[$0].width + 1) }
        ) { bank, sequences, firstWindow, windowCount, responses in
            let layout = layouts[bank]
            Parallel.forEachChunk(sequences.count, grain: Swift.max(1, 32_768 / (windowCount * layout.count))) { chunk in
                for s in chunk {
                    let best = output.pointer + (sequences.lowerBound + s) * featureCount + layout.featureOffset
                    for t in 0..<windowCount {
                        let row = responses + (s * windowCount + t) * layout.count
                        WindowConvolution.mergeMaxima(best, row, into: best, count: layout.count)
                    }
                }
            }
        }
        rectifyFeatures(output, rows: count)
        return Tensor(shape: [count, featureCount], storage: output)
    }

    /// Adds the biases and applies ReLU to pooled maxima [rows, Σ n_k] in place.
    private func rectifyFeatures(_ features: TensorStorage, rows: Int) {
        for layout in bankLayouts() {
            WindowConvolution.rectify(features.pointer + layout.featureOffset, rows: rows, stride: outputSize, bias: layout.bias, count: layout.count)
        }
    }
}

extension TextConvolution.PrefixMaxima {
    /// Row r holds the maxima of sequence `sources[r]` for prefix length `prefixLength`.
    fileprivate func gather(sources: [Int], prefixLength: Int) -> TensorStorage {
        let output = TensorStorage(uninitializedCount: sources.count * featureCount)
        for (r, source) in sources.enumerated() {
            (output.pointer + r * featureCount).update(
                from: values.pointer + (source * (length + 1) + prefixLength) * featureCount, count: featureCount)
        }
        return output
    }
}
