import GenRLTensor

/// One width of filters as the kernels see it: `count` filters of `width` positions over
/// embeddings of size E, stored [count, width·E] row-major (PyTorch's [count, 1, width, E]).
struct FilterBankLayout {
    /// Positions per window, k.
    let width: Int
    /// Filters of this width, n_k.
    let count: Int
    /// Column of this bank's first feature in the concatenated output.
    let featureOffset: Int
    /// The weights, [count, width·E].
    let weight: UnsafePointer<Float>
    /// The biases, [count].
    let bias: UnsafePointer<Float>
}

/// Convolution of embedded sequences [B, T, E] as matrix products over windows.
///
/// The window of width k starting at position t of sequence b is the k·E floats
/// `x[b, t..<t+k, :]`, contiguous in memory. Stacking the windows of a block of sequences
/// as the rows of a matrix A (a copy of overlapping strided slices, "im2col") turns the
/// convolution into one product `A · Wᵀ` with the bank's weights W [n, k·E]: row
/// (b, t) of the result holds the n filter responses of that window, without bias.
///
/// Blocks hold whole sequences and about `blockFloats` floats of A (4 MiB), so the copy
/// stays in the cache and the product is large enough for BLAS to run near its peak. A
/// width-1 bank over all windows needs no copy: A is x itself.
///
/// Measured for SeqGAN's full discriminator on [1024, 20] tokens (2 threads, OpenBLAS
/// Haswell kernel, 15.5 GFLOP): the whole layer takes 84 ms (≈ 185 GFLOP/s, near the
/// ≈ 220 of a square 1024 product); the same products on one unblocked window
/// matrix take 98 ms without counting the copy; blocks of 1 MiB, 16 MiB or 256 MiB were
/// 15–85 % slower than 4 MiB. The alternative without a copy, k shifted products of
/// depth E accumulated in place, spends 264 ms on products alone: depth 64 runs far
/// below peak, and the rows of windows that straddle two sequences are wasted.
enum WindowConvolution {
    /// Floats of the window matrix per block.
    static let blockFloats = 1 << 20

    /// Computes, for every bank and block of sequences, the responses of the windows that
    /// start at `firstWindow(bank)..<T−k+1` and hands them to
    /// `body(bank, sequences, firstWindow, windowCount, responses)`, where `responses` is
    /// [sequences.count, windowCount, n] row-major and valid only during the call. Banks
    /// with no window to compute are skipped.
    static func forEachBlock(
        input x: UnsafePointer<Float>, sequenceCount: Int, length: Int, embeddingSize: Int,
        banks: [FilterBankLayout], firstWindow: (Int) -> Int,
        _ body: (_ bank: Int, _ sequences: Range<Int>, _ firstWindow: Int, _ windowCount: Int,
                 _ responses: UnsafePointer<Float>) -> Void
    ) {
        guard sequenceCount > 0 else { return }
        // Block sizes first, so one scratch allocation serves every bank.
        var plans: [(bank: Int, first: Int, windows: Int, sequencesPerBlock: Int)] = []
        var windowFloats = 0, responseFloats = 0
        for (index, bank) in banks.enumerated() {
            let first = firstWindow(index)
            let windows = length - bank.width + 1 - first
            guard windows > 0 else { continue }
            let rowFloats = windows * bank.width * embeddingSize
            let perBlock = Swift.max(1, Swift.min(sequenceCount, blockFloats / rowFloats))
            plans.append((index, first, windows, perBlock))
            if !(bank.width == 1 && first == 0) { windowFloats = Swift.max(windowFloats, perBlock * rowFloats) }
            responseFloats = Swift.max(responseFloats, perBlock * windows * bank.count)
        }
        let windowMatrix = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(windowFloats, 1))
        let responses = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(responseFloats, 1))
        defer {
            windowMatrix.deallocate()
            responses.deallocate()
        }
        for plan in plans {
            let bank = banks[plan.bank]
            let depth = bank.width * embeddingSize
            var start = 0
            while start < sequenceCount {
                let sequences = start..<Swift.min(sequenceCount, start + plan.sequencesPerBlock)
                let rows = sequences.count * plan.windows
                let a: UnsafePointer<Float>
                if bank.width == 1 && plan.first == 0 {
                    a = x + sequences.lowerBound * length * embeddingSize
                } else {
                    copyWindows(from: x, sequences: sequences, length: length, embeddingSize: embeddingSize,
                                width: bank.width, firstWindow: plan.first, windowCount: plan.windows, into: windowMatrix)
                    a = UnsafePointer(windowMatrix)
                }
                MatrixMultiply.gemm(transposeA: false, transposeB: true, m: rows, n: bank.count, k: depth, alpha: 1,
                                    a: a, lda: depth, b: bank.weight, ldb: depth, beta: 0, c: responses, ldc: bank.count)
                body(plan.bank, sequences, plan.first, plan.windows, responses)
                start = sequences.upperBound
            }
        }
    }

    /// Writes the windows `firstWindow..<firstWindow+windowCount` of width `width` of each
    /// sequence in `sequences` as consecutive rows of `destination`.
    private static func copyWindows(
        from x: UnsafePointer<Float>, sequences: Range<Int>, length: Int, embeddingSize: Int,
        width: Int, firstWindow: Int, windowCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        let depth = width * embeddingSize
        let floatsPerSequence = windowCount * depth
        Parallel.forEachChunk(sequences.count, grain: Swift.max(1, 65_536 / floatsPerSequence)) { chunk in
            for local in chunk {
                let sequence = x + ((sequences.lowerBound + local) * length + firstWindow) * embeddingSize
                var row = destination + local * floatsPerSequence
                for window in 0..<windowCount {
                    row.update(from: sequence + window * embeddingSize, count: depth)
                    row += depth
                }
            }
        }
    }

    /// The largest response per filter over each sequence's windows:
    /// `maxima[s·maximaStride + f] = max_t responses[s, t, f]` for the block's sequences
    /// s, and the window (counted from `firstWindow`) where it occurs in `argmax` when
    /// given. The first of tied windows wins; NaN propagates. Eight filters at a time.
    static func maximaOverWindows(
        _ responses: UnsafePointer<Float>, sequenceCount: Int, windowCount: Int, filterCount: Int, firstWindow: Int,
        maxima: UnsafeMutablePointer<Float>, maximaStride: Int, argmax: UnsafeMutablePointer<Int32>?
    ) {
        let perSequence = windowCount * filterCount
        let lanes = FloatVector.scalarCount
        Parallel.forEachChunk(sequenceCount, grain: Swift.max(1, 32_768 / Swift.max(perSequence, 1))) { chunk in
            for s in chunk {
                let block = responses + s * perSequence
                let best = maxima + s * maximaStride
                let index = argmax.map { $0 + s * maximaStride }
                var f = 0
                while f + lanes <= filterCount {
                    var current = loadVector(block + f)
                    var position = FloatVector(repeating: Float(firstWindow))  // window indices are exact in Float
                    for t in 1..<Swift.max(windowCount, 1) {
                        let candidate = loadVector(block + t * filterCount + f)
                        let wins = (current .== current) .& ((candidate .> current) .| (candidate .!= candidate))
                        current.replace(with: candidate, where: wins)
                        position.replace(with: Float(firstWindow + t), where: wins)
                    }
                    storeVector(current, best + f)
                    if let index { for lane in 0..<lanes { index[f + lane] = Int32(position[lane]) } }
                    f += lanes
                }
                while f < filterCount {
                    var current = block[f], position = firstWindow
                    for t in 1..<Swift.max(windowCount, 1) where replaces(current, with: block[t * filterCount + f]) {
                        current = block[t * filterCount + f]
                        position = firstWindow + t
                    }
                    best[f] = current
                    index?[f] = Int32(position)
                    f += 1
                }
            }
        }
    }

    /// `destination[f]` = the running maximum `current[f]` updated with `candidate[f]`
    /// (see `replaces`), eight at a time; `destination` may be `current`.
    static func mergeMaxima(_ current: UnsafePointer<Float>, _ candidate: UnsafePointer<Float>,
                            into destination: UnsafeMutablePointer<Float>, count: Int) {
        var f = 0
        while f + FloatVector.scalarCount <= count {
            var best = loadVector(current + f)
            let challenger = loadVector(candidate + f)
            best.replace(with: challenger, where: (best .== best) .& ((challenger .> best) .| (challenger .!= challenger)))
            storeVector(best, destination + f)
            f += FloatVector.scalarCount
        }
        while f < count {
            destination[f] = replaces(current[f], with: candidate[f]) ? candidate[f] : current[f]
            f += 1
        }
    }

    /// Adds the bias and applies ReLU in place to `rows` rows of `count` features
    /// (`stride` apart); NaN stays NaN.
    static func rectify(_ values: UnsafeMutablePointer<Float>, rows: Int, stride: Int, bias: UnsafePointer<Float>, count: Int) {
        for row in 0..<rows {
            let line = values + row * stride
            for f in 0..<count {
                let v = line[f] + bias[f]
                line[f] = v > 0 || v != v ? v : 0
            }
        }
    }

    /// Whether a running maximum `current` gives way to `candidate`: when it is larger,
    /// or NaN (which then stays, as in `torch.max`).
    @inline(__always)
    static func replaces(_ current: Float, with candidate: Float) -> Bool {
        current == current && (candidate > current || candidate != candidate)
    }
}

@inline(__always)
fileprivate func loadVector(_ pointer: UnsafePointer<Float>) -> FloatVector {
    UnsafeRawPointer(pointer).loadUnaligned(as: FloatVector.self)
}

@inline(__always)
fileprivate func storeVector(_ value: FloatVector, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: FloatVector.self)
}
