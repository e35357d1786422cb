import GenRLNN
import GenRLTensor

// The buffers of `LSTMSampler`: a snapshot of the weights in the kernels' layouts, and
// the per-row state of the rows being sampled.

/// A snapshot of the model's weights in the layouts the kernels read, in buffers it owns.
final class Weights: @unchecked Sendable {
    /// E·W_ih₀ᵀ + b_ih₀ + b_hh₀, [V, 4H]: the first layer's gate input of each token.
    let inputTable: UnsafeMutablePointer<Float>
    /// W_hhᵀ of each layer, [H, 4H].
    let hiddenWeights: [UnsafeMutablePointer<Float>]
    /// W_ihᵀ of layers 1…, [H, 4H].
    let upperInputWeights: [UnsafeMutablePointer<Float>]
    /// b_ih + b_hh of layers 1…, [4H].
    let upperBiases: [UnsafeMutablePointer<Float>]
    /// V rounded up to a multiple of `SamplerKernels.vocabularyBlock`.
    let paddedVocabulary: Int
    /// W_outᵀ, [H, V'] with zero columns beyond V.
    let outputWeight: UnsafeMutablePointer<Float>
    /// b_out, [V'] with −∞ beyond V (so padded logits never count).
    let outputBias: UnsafeMutablePointer<Float>

    init(_ model: RecurrentLanguageModel) {
        let lstm = model.lstm!
        let vocabulary = model.configuration.vocabularySize, hidden = model.configuration.hiddenSize
        let width = 4 * hidden, embeddingSize = model.configuration.embeddingSize
        let block = SamplerKernels.vocabularyBlock
        paddedVocabulary = (vocabulary + block - 1) / block * block
        /// [rows, columns] → [columns, rows'] with zero padding up to `paddedColumns`.
        func transposed(_ tensor: Tensor, paddedRows: Int? = nil) -> UnsafeMutablePointer<Float> {
            let (rows, columns) = (tensor.shape[0], tensor.shape[1])
            let stride = paddedRows ?? rows
            let p = UnsafeMutablePointer<Float>.allocate(capacity: columns * stride)
            p.initialize(repeating: 0, count: columns * stride)
            for i in 0..<rows { for j in 0..<columns { p[j * stride + i] = tensor.storage.pointer[i * columns + j] } }
            return p
        }
        func biasSum(_ layer: RecurrentLayerWeights) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: width)
            p.initialize(repeating: 0, count: width)
            for bias in [layer.inputBias, layer.hiddenBias].compactMap({ $0 }) {
                for j in 0..<width { p[j] += bias.storage.pointer[j] }
            }
            return p
        }
        let first = lstm.layers[0]
        inputTable = .allocate(capacity: vocabulary * width)
        MatrixMultiply.gemm(transposeA: false, transposeB: true, m: vocabulary, n: width, k: embeddingSize, alpha: 1,
                            a: model.embedding.weight.storage.pointer, lda: embeddingSize,
                            b: first.inputWeight.storage.pointer, ldb: embeddingSize, beta: 0, c: inputTable, ldc: width)
        let firstBias = biasSum(first)
        for v in 0..<vocabulary { for j in 0..<width { inputTable[v * width + j] += firstBias[j] } }
        firstBias.deallocate()
        hiddenWeights = lstm.layers.map { transposed($0.hiddenWeight) }
        upperInputWeights = lstm.layers.dropFirst().map { transposed($0.inputWeight) }
        upperBiases = lstm.layers.dropFirst().map(biasSum)
        outputWeight = transposed(model.out.weight, paddedRows: paddedVocabulary)
        outputBias = .allocate(capacity: paddedVocabulary)
        outputBias.initialize(repeating: -.infinity, count: paddedVocabulary)
        for v in 0..<vocabulary { outputBias[v] = model.out.bias?.storage.pointer[v] ?? 0 }
    }

    deinit {
        for p in [inputTable, outputWeight, outputBias] + hiddenWeights + upperInputWeights + upperBiases { p.deallocate() }
    }
}

/// The per-row state of one sampler, sized for `capacity` rows.
final class Workspace: @unchecked Sendable {
    let capacity: Int
    /// h and c of each layer, [capacity, H].
    let hidden: [UnsafeMutablePointer<Float>], cell: [UnsafeMutablePointer<Float>]
    /// The tokens fed at the next step (and just sampled), the targets being scored, the
    /// uniforms of the current position and the scores, [capacity].
    let inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>
    let uniforms: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>
    private let hiddenSize: Int

    init(capacity: Int, layers: Int, hidden size: Int) {
        self.capacity = capacity
        hiddenSize = size
        hidden = (0..<layers).map { _ in .allocate(capacity: capacity * size) }
        cell = (0..<layers).map { _ in .allocate(capacity: capacity * size) }
        inputs = .allocate(capacity: capacity)
        targets = .allocate(capacity: capacity)
        uniforms = .allocate(capacity: capacity)
        scores = .allocate(capacity: capacity)
    }

    /// Zero h and c for the first `rows` rows.
    func resetState(rows: Int) {
        for p in hidden + cell { p.update(repeating: 0, count: rows * hiddenSize) }
    }

    deinit {
        for p in hidden + cell + [uniforms, scores] { p.deallocate() }
        inputs.deallocate()
        targets.deallocate()
    }
}
