import GenRLTensor

/// The derivative of `TextConvolution`: convolution, bias, ReLU and max-over-time.
///
/// With g the gradient of the pooled output c [B, F] and t*(b, f) the window where
/// feature f of sequence b attained its maximum, only that window contributes, and only
/// when c[b, f] > 0 (ReLU passes no gradient at or below zero, as in PyTorch). Writing
/// ĝ[b, f] = g[b, f]·1[c[b, f] > 0] and k the width of f's bank:
///
///     ∂L/∂W[f, j, :]    = Σ_b ĝ[b, f] · x[b, t*(b, f) + j, :]
///     ∂L/∂bias[f]       = Σ_b ĝ[b, f]
///     ∂L/∂x[b, t*+j, :] += ĝ[b, f] · W[f, j, :]          for every f, j < k
///
/// so the cost is one k·E multiply-add per (sequence, filter) for each of W and x, far
/// less than the dense products of the forward pass. Filters are split across threads
/// for the weights, sequences for the input.
struct MaxPooledConvolutionGradient {
    /// x [B, T, E].
    let input: Tensor
    /// The banks, whose weights the forward pass used.
    let banks: [TextConvolution.FilterBank]
    /// E.
    let embeddingSize: Int
    /// The pooled output c [B, F] after ReLU.
    let output: TensorStorage
    /// t*(b, f) for each output element.
    let argmax: WindowIndices

    /// Gradients for [x, W₀, b₀, W₁, b₁, …] (nil where not needed).
    func gradients(_ gradient: Tensor, needed: [Bool]) -> [Tensor?] {
        let sequenceCount = input.shape[0], length = input.shape[1]
        let featureCount = output.count / Swift.max(sequenceCount, 1)
        let masked = maskedGradient(gradient, featureCount: featureCount)
        var results: [Tensor?] = Array(repeating: nil, count: needed.count)
        var offsets: [Int] = []
        var offset = 0
        for bank in banks {
            offsets.append(offset)
            offset += bank.count
        }
        if needed[0] {
            results[0] = inputGradient(masked, sequenceCount: sequenceCount, length: length,
                                       featureCount: featureCount, offsets: offsets)
        }
        for (index, bank) in banks.enumerated() {
            if needed[1 + 2 * index] {
                results[1 + 2 * index] = weightGradient(masked, bank: bank, offset: offsets[index], sequenceCount: sequenceCount,
                                                        length: length, featureCount: featureCount)
            }
            if needed[2 + 2 * index] {
                let biasGradient = TensorStorage(repeating: 0, count: bank.count)
                for b in 0..<sequenceCount {
                    let row = masked.pointer + b * featureCount + offsets[index]
                    for f in 0..<bank.count { biasGradient.pointer[f] += row[f] }
                }
                results[2 + 2 * index] = Tensor(shape: [bank.count], storage: biasGradient)
            }
        }
        return results
    }

    /// ĝ = g where the output is positive, 0 elsewhere.
    private func maskedGradient(_ gradient: Tensor, featureCount: Int) -> TensorStorage {
        let masked = TensorStorage(uninitializedCount: output.count)
        let g = gradient.storage.pointer, c = output.pointer
        for i in 0..<output.count { masked.pointer[i] = c[i] > 0 ? g[i] : 0 }
        return masked
    }

    /// ∂L/∂x: each (sequence, filter) adds ĝ·W[f] to the window where its maximum was.
    private func inputGradient(_ masked: TensorStorage, sequenceCount: Int, length: Int, featureCount: Int,
                               offsets: [Int]) -> Tensor {
        let result = TensorStorage(repeating: 0, count: input.count)
        let e = embeddingSize
        Parallel.forEachChunk(sequenceCount, grain: 4) { sequences in
            for b in sequences {
                let sequence = result.pointer + b * length * e
                for (index, bank) in banks.enumerated() {
                    let depth = bank.width * e
                    let weights = bank.weight.storage.pointer
                    for f in 0..<bank.count {
                        let position = b * featureCount + offsets[index] + f
                        let scale = masked.pointer[position]
                        if scale == 0 { continue }
                        multiplyAdd(scale, weights + f * depth, into: sequence + Int(argmax.pointer[position]) * e, count: depth)
                    }
                }
            }
        }
        return Tensor(shape: input.shape, storage: result)
    }

    /// ∂L/∂W for one bank: each filter sums ĝ times its arg-max window over the batch.
    private func weightGradient(_ masked: TensorStorage, bank: TextConvolution.FilterBank, offset: Int,
                                sequenceCount: Int, length: Int, featureCount: Int) -> Tensor {
        let depth = bank.width * embeddingSize
        let result = TensorStorage(repeating: 0, count: bank.count * depth)
        let x = input.storage.pointer
        Parallel.forEachChunk(bank.count, grain: Swift.max(1, 65_536 / Swift.max(sequenceCount * depth, 1))) { filters in
            for f in filters {
                let row = result.pointer + f * depth
                for b in 0..<sequenceCount {
                    let position = b * featureCount + offset + f
                    let scale = masked.pointer[position]
                    if scale == 0 { continue }
                    let window = x + (b * length + Int(argmax.pointer[position])) * embeddingSize
                    multiplyAdd(scale, window, into: row, count: depth)
                }
            }
        }
        return Tensor(shape: bank.weight.shape, storage: result)
    }
}

/// y += a·x over `count` floats.
@inline(__always)
private func multiplyAdd(_ a: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += a * x[i] }
}
