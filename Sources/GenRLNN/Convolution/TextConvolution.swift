import GenRLTensor

/// Convolution over embedded token sequences with filters of several widths, ReLU, and
/// max-over-time pooling: the feature extractor of Kim, "Convolutional Neural Networks
/// for Sentence Classification" (EMNLP 2014), used by SeqGAN's discriminator (Yu et al.,
/// AAAI 2017).
///
/// For input x [B, T, E] and a bank of n_k filters of width k with weights
/// W_k [n_k, k, E] and bias b_k [n_k], feature f of sequence b is
///
///     c[b, f] = relu( max_{t = 0 … T−k} ( Σ_{j<k} Σ_e W_k[f, j, e] · x[b, t+j, e] ) + b_k[f] )
///
/// and the output [B, Σ n_k] concatenates the banks in order. Each bank is PyTorch's
/// `nn.Conv2d(1, n_k, (k, E))` applied to `x.unsqueeze(1)`, followed by
/// `relu(...).squeeze(3).max(2).values`.
///
/// Widths longer than `maximumLength` are dropped when the layer is built, as in the
/// reference implementation, which creates only the convolutions that fit the sequence
/// length; an input shorter than the widest remaining bank is a shape error.
///
/// The whole layer is one recorded operation (see `WindowConvolution` for the forward
/// kernel): its derivative flows, for each sequence and filter whose output is positive,
/// to the single window where the maximum was attained (the first one on ties).
///
/// Checkpoint names follow `nn.ModuleList` of `nn.Conv2d`: bank i holds `i.weight`
/// [n_k, 1, k, E] and `i.bias` [n_k], in PyTorch's layout, so a model that stores this
/// layer as `convs` reads and writes `convs.{i}.weight` and `convs.{i}.bias`.
public final class TextConvolution: Module, @unchecked Sendable {
    /// The filters of one width: `nn.Conv2d(1, count, (width, E))`.
    public final class FilterBank: Module, @unchecked Sendable {
        /// [count, 1, width, E], PyTorch's Conv2d layout; contiguous, it is the matrix
        /// [count, width·E] whose row f is filter f's window weights position by position.
        public let weight: Tensor
        /// [count].
        public let bias: Tensor

        /// A bank initialised as PyTorch initialises `Conv2d`: weight and bias from
        /// U(−1/√(k·E), 1/√(k·E)).
        public init(width: Int, count: Int, embeddingSize: Int, generator: inout RandomGenerator) {
            precondition(width > 0 && count > 0 && embeddingSize > 0,
                         "TextConvolution.FilterBank: width \(width), count \(count) and embedding size \(embeddingSize) must be positive")
            let fanIn = width * embeddingSize
            weight = Initialization.uniformFanIn([count, 1, width, embeddingSize], fanIn: fanIn, using: &generator).asParameter()
            bias = Initialization.uniformFanIn([count], fanIn: fanIn, using: &generator).asParameter()
        }

        /// Positions per window, k.
        public var width: Int { weight.shape[2] }
        /// Number of filters, n_k.
        public var count: Int { weight.shape[0] }
    }

    /// The banks in output order (only the widths that fit `maximumLength`).
    public let banks: [FilterBank]
    /// E, the size of each input vector.
    public let embeddingSize: Int

    /// Banks of `filterCounts[i]` filters of width `widths[i]`, keeping only the widths
    /// ≤ `maximumLength` when it is given. Parameters start as PyTorch's `Conv2d` defaults.
    public init(embeddingSize: Int, widths: [Int], filterCounts: [Int], maximumLength: Int? = nil,
                generator: inout RandomGenerator) {
        precondition(widths.count == filterCounts.count,
                     "TextConvolution: \(widths.count) widths but \(filterCounts.count) filter counts")
        var banks: [FilterBank] = []
        for (width, count) in zip(widths, filterCounts) where maximumLength.map({ width <= $0 }) ?? true {
            banks.append(FilterBank(width: width, count: count, embeddingSize: embeddingSize, generator: &generator))
        }
        precondition(!banks.isEmpty, "TextConvolution: no filter width in \(widths) fits sequences of length \(maximumLength ?? 0)")
        self.banks = banks
        self.embeddingSize = embeddingSize
    }

    /// The banks named "0", "1", … as in `nn.ModuleList`.
    override public func children() -> [(name: String, module: Module)] {
        banks.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// Σ n_k, the size of the pooled feature vector.
    public var outputSize: Int { banks.reduce(0) { $0 + $1.count } }
    /// The widths of the banks, in order.
    public var widths: [Int] { banks.map(\.width) }

    /// Pooled features [B, Σ n_k] of embedded sequences x [B, T, E] (see the type's
    /// formula), recorded as one operation when gradients are recorded.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (sequenceCount, length) = checkedInput(x, operation: "TextConvolution")
        let featureCount = outputSize
        let inputs = [x] + banks.flatMap { [$0.weight, $0.bias] }
        let recording = GradientMode.isRecording && inputs.contains { $0.isTracked }
        let output = TensorStorage(uninitializedCount: sequenceCount * featureCount)
        let argmax = recording ? WindowIndices(count: sequenceCount * featureCount) : nil
        let layouts = bankLayouts()
        WindowConvolution.forEachBlock(
            input: x.storage.pointer, sequenceCount: sequenceCount, length: length, embeddingSize: embeddingSize,
            banks: layouts, firstWindow: { _ in 0 }
        ) { bank, sequences, firstWindow, windowCount, responses in
            let layout = layouts[bank]
            let offset = sequences.lowerBound * featureCount + layout.featureOffset
            WindowConvolution.maximaOverWindows(
                responses, sequenceCount: sequences.count, windowCount: windowCount, filterCount: layout.count,
                firstWindow: firstWindow, maxima: output.pointer + offset, maximaStride: featureCount,
                argmax: argmax.map { $0.pointer + offset })
            WindowConvolution.rectify(output.pointer + offset, rows: sequences.count, stride: featureCount, bias: layout.bias, count: layout.count)
        }
        guard let argmax else {
            return Tensor(shape: [sequenceCount, featureCount], storage: output)
        }
        let banks = self.banks, embeddingSize = self.embeddingSize
        return Tensor.customOperation("textConvolution", shape: [sequenceCount, featureCount], storage: output,
                                      inputs: inputs) { gradient, needed in
            MaxPooledConvolutionGradient(
                input: x, banks: banks, embeddingSize: embeddingSize, output: output, argmax: argmax
            ).gradients(gradient, needed: needed)
        }
    }

    /// The kernels' view of the banks (pointers valid while the banks live).
    func bankLayouts() -> [FilterBankLayout] {
        var offset = 0
        return banks.map { bank in
            defer { offset += bank.count }
            return FilterBankLayout(width: bank.width, count: bank.count, featureOffset: offset,
                                    weight: bank.weight.storage.pointer, bias: bank.bias.storage.pointer)
        }
    }

    /// (B, T) of an input, which must be [B, T, E] with T at least the widest bank.
    func checkedInput(_ x: Tensor, operation: String) -> (sequenceCount: Int, length: Int) {
        guard x.rank == 3, x.shape[2] == embeddingSize else {
            fatalError("\(operation): input shape \(x.shape) is not [batch, length, \(embeddingSize)]")
        }
        let widest = banks.map(\.width).max() ?? 0
        guard x.shape[1] >= widest else {
            fatalError("\(operation): sequences of length \(x.shape[1]) are shorter than the widest filter (\(widest)); build the layer with maximumLength: \(x.shape[1])")
        }
        return (x.shape[0], x.shape[1])
    }
}

/// Window indices for the backward pass, one per sequence and feature.
final class WindowIndices: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(count, 1))
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { pointer.deallocate() }
}
