import Foundation
import GenRLNN
import GenRLTensor

/// Fast batched sampling and scoring for LSTM language models, the inner loop of
/// SeqGAN's Monte Carlo rollouts (16 completions × 64 sequences × 19 prefix lengths per
/// generator step) and of NLL-oracle evaluation (100,000 sequences).
///
/// `Generation.sample` serves every model through the `LanguageModel` protocol and
/// records log-probabilities, entropies and masks for RL; this sampler does less, much
/// faster, for `RecurrentLanguageModel`s with LSTM cells:
///
/// - the first layer's input projection of every token is looked up in a table
///   T = E·W_ih₀ᵀ + b_ih₀ + b_hh₀ ([V, 4H]) built once per `refresh()`, so a step costs
///   h·W_hhᵀ per layer and h·W_outᵀ for the logits;
/// - each thread takes its rows through the whole step: the cell update, then the logits
///   of four rows at a time against the transposed output layer (bias and running maximum
///   in the same pass), then per row the exponentials and their sum, and a cumulative walk
///   that skips blocks of eight by their sums — one pass over the rows per position, no
///   BLAS call and no thread hand-off inside it;
/// - completions of a prefix start from its recorded state (`prefixStates(of:)`), and the
///   first completion token of all copies of a sequence is drawn from logits computed once;
/// - buffers live in a workspace reused across calls: nothing is allocated per step or per
///   row.
///
/// Sampling is exact ancestral sampling at temperature 1: with u uniform in [0, 1) the
/// token is the first i with Σ_{j≤i} exp(zⱼ − m) > u·Σⱼ exp(zⱼ − m). Uniforms are drawn
/// from the generator in row order at each position, so results do not depend on the
/// thread count.
///
/// The sampler reads a snapshot of the weights: call `refresh()` after they change.
/// Token matrices are [rows, L] with the first input (the begin or start token) in
/// column 0. Not thread-safe: one caller at a time.
public final class LSTMSampler {
    /// The model whose weights are read by `refresh()`.
    public let model: RecurrentLanguageModel
    /// V.
    public let vocabularySize: Int
    /// H.
    public let hiddenSize: Int
    /// Stacked LSTM layers.
    public let layerCount: Int
    private var weights: Weights
    private var workspace: Workspace?

    /// A sampler over `model`'s current weights. The model must use LSTM cells.
    public init(_ model: RecurrentLanguageModel) {
        guard model.lstm != nil else {
            preconditionFailure("LSTMSampler: the model uses \(model.configuration.cell.rawValue) cells; only LSTM models are supported")
        }
        self.model = model
        vocabularySize = model.configuration.vocabularySize
        hiddenSize = model.configuration.hiddenSize
        layerCount = model.configuration.layers
        weights = Weights(model)
    }

    /// Reads the model's weights again (after an optimizer step or a copy).
    public func refresh() { weights = Weights(model) }

    // MARK: - Prefix states

    /// The LSTM state of every sequence after each position p: h and c of every layer
    /// after consuming columns 0…p of the token matrix.
    public struct PrefixStates: Sendable {
        /// B.
        public let sequenceCount: Int
        /// L, the positions recorded.
        public let length: Int
        let layers: Int, hidden: Int
        /// [L][layers][h | c][B, H], flattened.
        let values: [Float]

        func offset(position: Int, layer: Int, cell: Bool) -> Int {
            (((position * layers + layer) * 2) + (cell ? 1 : 0)) * sequenceCount * hidden
        }
    }

    /// Runs the model over `tokens` [B, L] (teacher forcing) and records the state after
    /// every position.
    public func prefixStates(of tokens: IntTensor) -> PrefixStates {
        let (count, length) = checkedShape(tokens, "prefixStates")
        let ws = workspace(rows: count)
        ws.resetState(rows: count)
        let stride = 2 * layerCount * count * hiddenSize
        var values = [Float](repeating: 0, count: length * stride)
        for position in 0..<length {
            for row in 0..<count { ws.inputs[row] = tokens.scalars[row * length + position] }
            step(ws, rows: count)
            values.withUnsafeMutableBufferPointer { buffer in
                for layer in 0..<layerCount {
                    let base = buffer.baseAddress! + position * stride + layer * 2 * count * hiddenSize
                    base.update(from: ws.hidden[layer], count: count * hiddenSize)
                    (base + count * hiddenSize).update(from: ws.cell[layer], count: count * hiddenSize)
                }
            }
        }
        return PrefixStates(sequenceCount: count, length: length, layers: layerCount, hidden: hiddenSize, values: values)
    }

    // MARK: - Sampling

    /// Completions of the sequences `tokens` [B, L]: `copies` × B rows, row c·B + b keeps
    /// the first `keep` tokens of sequence b (1 ≤ keep < L) and samples positions
    /// keep..<L from the model. `states` must be `prefixStates(of: tokens)` under the
    /// current weights (only its state after position keep − 1 is read).
    public func complete(_ tokens: IntTensor, keeping keep: Int, copies: Int, states: PrefixStates,
                         generator: inout RandomGenerator) -> IntTensor {
        let (count, length) = checkedShape(tokens, "complete")
        guard keep >= 1, keep < length, copies >= 1, states.sequenceCount == count, states.length >= keep else {
            preconditionFailure("LSTMSampler.complete: keep \(keep) and copies \(copies) do not fit tokens \(tokens.shape) with states of \(states.sequenceCount) sequences × \(states.length) positions")
        }
        let rows = copies * count
        var output = [Int32](repeating: 0, count: rows * length)
        for copy in 0..<copies {
            for b in 0..<count {
                for t in 0..<keep { output[(copy * count + b) * length + t] = tokens.scalars[b * length + t] }
            }
        }
        states.values.withUnsafeBufferPointer { saved in
            run(rows: rows, sources: count, length: length, start: keep, output: &output, generator: &generator) { ws in
                for layer in 0..<layerCount {
                    let h = saved.baseAddress! + states.offset(position: keep - 1, layer: layer, cell: false)
                    let c = saved.baseAddress! + states.offset(position: keep - 1, layer: layer, cell: true)
                    for copy in 0..<copies {
                        (ws.hidden[layer] + copy * count * hiddenSize).update(from: h, count: count * hiddenSize)
                        (ws.cell[layer] + copy * count * hiddenSize).update(from: c, count: count * hiddenSize)
                    }
                }
            }
        }
        return IntTensor(output, shape: [rows, length])
    }

    /// `count` sequences of `length` sampled tokens after `startToken`, [count, length + 1]
    /// with the start token in column 0. Rows are sampled in chunks of `chunkRows`, so the
    /// result depends on the seed and `chunkRows`, not on the thread count.
    public func sample(count: Int, startToken: Int, length: Int, chunkRows: Int = 1024,
                       generator: inout RandomGenerator) -> IntTensor {
        precondition(count >= 0 && length >= 1 && chunkRows >= 1, "LSTMSampler.sample: count \(count), length \(length), chunk \(chunkRows)")
        precondition(startToken >= 0 && startToken < vocabularySize, "LSTMSampler.sample: start token \(startToken) outside 0..<\(vocabularySize)")
        let start = IntTensor([Int32(startToken)], shape: [1, 1])
        let states = prefixStates(of: start)
        var scalars: [Int32] = []
        scalars.reserveCapacity(count * (length + 1))
        var done = 0
        while done < count {
            let rows = Swift.min(chunkRows, count - done)
            var output = [Int32](repeating: Int32(startToken), count: rows * (length + 1))
            states.values.withUnsafeBufferPointer { saved in
                run(rows: rows, sources: 1, length: length + 1, start: 1, output: &output, generator: &generator) { ws in
                    for layer in 0..<layerCount {
                        let h = saved.baseAddress! + states.offset(position: 0, layer: layer, cell: false)
                        let c = saved.baseAddress! + states.offset(position: 0, layer: layer, cell: true)
                        for row in 0..<rows {
                            (ws.hidden[layer] + row * hiddenSize).update(from: h, count: hiddenSize)
                            (ws.cell[layer] + row * hiddenSize).update(from: c, count: hiddenSize)
                        }
                    }
                }
            }
            scalars += output
            done += rows
        }
        return IntTensor(scalars, shape: [count, length + 1])
    }

    /// Samples positions `start..<length` of `rows` rows into `output` [rows, length]. The
    /// first sampled position reads the logits of `sources` rows (row r uses source
    /// r mod sources); `loadState` fills the workspace state of all rows, from which each
    /// later position is one step.
    private func run(rows: Int, sources: Int, length: Int, start: Int, output: inout [Int32],
                     generator: inout RandomGenerator, loadState: (Workspace) -> Void) {
        let ws = workspace(rows: rows)
        loadState(ws)
        for position in start..<length {
            for r in 0..<rows { ws.uniforms[r] = generator.nextFloat() }
            let first = position == start
            chooseTokens(ws, sources: first ? sources : rows, rows: rows, advanceFirst: !first)
            for r in 0..<rows { output[r * length + position] = ws.inputs[r] }
        }
    }

    // MARK: - Scoring

    /// log p(tokens[r, 1..<L] | tokens[r, 0]) for each row of `tokens` [N, L]: the sum over
    /// positions of the log-probability of each token after the ones before it (teacher
    /// forcing from a zero state), in nats. Rows are processed in chunks of `chunkRows`.
    public func logLikelihoods(of tokens: IntTensor, chunkRows: Int = 1024) -> [Double] {
        let (count, length) = checkedShape(tokens, "logLikelihoods")
        var result = [Double](repeating: 0, count: count)
        var done = 0
        while done < count {
            let rows = Swift.min(chunkRows, count - done)
            let ws = workspace(rows: rows)
            ws.resetState(rows: rows)
            for position in 0..<(length - 1) {
                for r in 0..<rows {
                    ws.inputs[r] = tokens.scalars[(done + r) * length + position]
                    ws.targets[r] = tokens.scalars[(done + r) * length + position + 1]
                }
                scoreTargets(ws, rows: rows)
                for r in 0..<rows { result[done + r] += Double(ws.scores[r]) }
            }
            done += rows
        }
        return result
    }

    // MARK: - Row pipelines

    /// One LSTM step of `rows` rows on the workspace state with inputs `ws.inputs`.
    private func step(_ ws: Workspace, rows: Int) {
        let weights = self.weights, layers = layerCount, hidden = hiddenSize
        Parallel.forEachChunk(rows, grain: 32) { range in
            let gates = UnsafeMutablePointer<Float>.allocate(capacity: 4 * hidden)
            defer { gates.deallocate() }
            for r in range { Self.advance(row: r, ws, weights, layers: layers, hidden: hidden, gates: gates) }
        }
    }

    /// Draws the next token of every row into `ws.inputs` from the top layer's hidden
    /// state: with `advanceFirst`, each row first takes one step on its current input.
    /// Rows 0..<sources compute logits; row r reads source r mod sources (`sources <
    /// rows` only without `advanceFirst`). Uniforms come from `ws.uniforms`.
    private func chooseTokens(_ ws: Workspace, sources: Int, rows: Int, advanceFirst: Bool) {
        let copies = rows / sources
        precondition(copies * sources == rows && (copies == 1 || !advanceFirst),
                     "LSTMSampler: \(rows) rows do not fit \(sources) sources")
        let padded = weights.paddedVocabulary, vocabulary = vocabularySize
        forEachLogitBlock(ws, rows: sources, advancing: advanceFirst) { block, logits, maxima in
            for (local, source) in block.enumerated() {
                let row = logits + local * padded
                let total = SamplerKernels.exponentiate(row, count: padded, maximum: maxima[local])
                for copy in 0..<copies {
                    let r = copy * sources + source
                    let token = SamplerKernels.walk(row, count: vocabulary, threshold: ws.uniforms[r] * total)
                    ws.inputs[r] = Int32(token)
                }
            }
        }
    }

    /// Takes one step on each row's input and writes log p(ws.targets[r]) to `ws.scores`.
    private func scoreTargets(_ ws: Workspace, rows: Int) {
        let padded = weights.paddedVocabulary
        forEachLogitBlock(ws, rows: rows, advancing: true) { block, logits, maxima in
            for (local, r) in block.enumerated() {
                let row = logits + local * padded
                ws.scores[r] = row[Int(ws.targets[r])] - SamplerKernels.logSumExp(row, count: padded, maximum: maxima[local])
            }
        }
    }

    /// Walks rows `0..<rows` in parallel, `SamplerKernels.rowBlock` at a time: each block's
    /// rows first take one LSTM step when `advancing`, then the block's logits (rows of
    /// `paddedVocabulary`) and their maxima are computed into per-thread scratch and handed
    /// to `body` with the block.
    private func forEachLogitBlock(_ ws: Workspace, rows: Int, advancing: Bool,
                                   _ body: (_ block: Range<Int>, _ logits: UnsafeMutablePointer<Float>,
                                            _ maxima: UnsafeMutablePointer<Float>) -> Void) {
        let weights = self.weights, layers = layerCount, hidden = hiddenSize
        let padded = weights.paddedVocabulary
        Parallel.forEachChunk(rows, grain: 16) { range in
            let gates = UnsafeMutablePointer<Float>.allocate(capacity: 4 * hidden)
            let logits = UnsafeMutablePointer<Float>.allocate(capacity: SamplerKernels.rowBlock * (padded + 1))
            let maxima = logits + SamplerKernels.rowBlock * padded
            defer { gates.deallocate(); logits.deallocate() }
            var start = range.lowerBound
            while start < range.upperBound {
                let block = start..<Swift.min(range.upperBound, start + SamplerKernels.rowBlock)
                if advancing {
                    for r in block { Self.advance(row: r, ws, weights, layers: layers, hidden: hidden, gates: gates) }
                }
                SamplerKernels.logits(rows: block, hidden: ws.hidden[layers - 1], hiddenSize: hidden, weights: weights,
                                      into: logits, maxima: maxima)
                body(block, logits, maxima)
                start = block.upperBound
            }
        }
    }

    /// One step of row `r` through every layer, with `ws.inputs[r]` as the first layer's input.
    @inline(__always)
    private static func advance(row r: Int, _ ws: Workspace, _ weights: Weights, layers: Int, hidden: Int,
                                gates: UnsafeMutablePointer<Float>) {
        let width = 4 * hidden
        for layer in 0..<layers {
            let h = ws.hidden[layer] + r * hidden, c = ws.cell[layer] + r * hidden
            if layer == 0 {
                gates.update(from: weights.inputTable + Int(ws.inputs[r]) * width, count: width)
            } else {
                gates.update(from: weights.upperBiases[layer - 1], count: width)
                SamplerKernels.accumulate(gates, input: ws.hidden[layer - 1] + r * hidden,
                                          transposedWeight: weights.upperInputWeights[layer - 1], inputSize: hidden, width: width)
            }
            SamplerKernels.accumulate(gates, input: h, transposedWeight: weights.hiddenWeights[layer], inputSize: hidden,
                                      width: width)
            SamplerKernels.cellUpdate(gates: gates, cell: c, hidden: h, size: hidden)
        }
    }

    // MARK: - Buffers

    private func workspace(rows: Int) -> Workspace {
        if let workspace, workspace.capacity >= rows { return workspace }
        let created = Workspace(capacity: rows, layers: layerCount, hidden: hiddenSize)
        workspace = created
        return created
    }

    private func checkedShape(_ tokens: IntTensor, _ operation: String) -> (Int, Int) {
        guard tokens.rank == 2, tokens.shape[1] >= 1 else {
            preconditionFailure("LSTMSampler.\(operation): tokens must be [rows, length ≥ 1], got \(tokens.shape)")
        }
        if let bad = tokens.scalars.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            preconditionFailure("LSTMSampler.\(operation): token \(bad) is outside the vocabulary 0..<\(vocabularySize)")
        }
        return (tokens.shape[0], tokens.shape[1])
    }
}
