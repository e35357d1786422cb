import GenRLTensor

/// A batch of generated sequences with everything RL needs about each generated token.
///
/// `tokens` is [B, L] laid out `[prompt | completion | padding]` (padding id 0). The
/// per-action arrays are [B, L − 1]: entry (i, j) describes the token at position j + 1,
/// chosen from the model's output at position j — the alignment of teacher forcing, so
/// `Tensor.selectedLogProbabilities(logits: model(tokens[:, :-1]).logits, targets: tokens[:, 1:])`
/// recomputes `modelLogProbabilities` where `actionMask` is 1.
public struct GeneratedBatch: @unchecked Sendable {
    /// The sequences, [B, L].
    public let tokens: IntTensor
    /// Prompt length of each sequence.
    public let promptLengths: [Int]
    /// Total length (prompt + completion) of each sequence.
    public let lengths: [Int]
    /// 1 where position j + 1 holds a generated token, [B, L − 1].
    public let actionMask: Tensor
    /// log π(token) under the distribution it was drawn from (after temperature, top-k,
    /// top-p and masks; 0 for greedy choices), [B, L − 1].
    public let samplingLogProbabilities: Tensor
    /// log π(token) under the unmodified model, [B, L − 1].
    public let modelLogProbabilities: Tensor
    /// Entropy of the unmodified model's distribution at each action, [B, L − 1].
    public let entropies: Tensor
    /// The value head's estimate at each action's position, [B, L − 1], if the model has one.
    public let values: Tensor?
    /// Whether each sequence ended by generating the end token.
    public let endedWithEndToken: [Bool]

    /// Number of sequences.
    public var batchSize: Int { promptLengths.count }

    /// The generated tokens of sequence `i` (the end token included when generated).
    public func completion(_ i: Int) -> [Int] {
        let row = tokens.row(i)
        return Array(row[promptLengths[i]..<lengths[i]])
    }

    /// The whole sequence `i` without padding.
    public func sequence(_ i: Int) -> [Int] { Array(tokens.row(i)[..<lengths[i]]) }
}

/// Sampling from a language model, batched, with per-sequence prompts and lengths.
public enum Generation {
    /// Generates one completion for each prompt (each prompt starts with the begin token
    /// and is non-empty). Runs without recording gradients.
    ///
    /// All sequences advance one position per step. Until a sequence's own prompt is used
    /// up, its next token is forced from the prompt; afterwards it is chosen from the
    /// processed logits. A sequence stops at the end token (when `stopAtEndToken`) or after
    /// `maximumNewTokens`; the batch stops when every sequence has.
    public static func sample(model: any LanguageModel, prompts: [[Int]], configuration: DecodingConfiguration,
                              extraProcessors: [any LogitProcessor] = [],
                              generator: inout RandomGenerator) -> GeneratedBatch {
        precondition(!prompts.isEmpty && prompts.allSatisfy { !$0.isEmpty }, "Generation.sample: prompts must be non-empty")
        return withNoGrad {
            let loop = GenerationLoop(model: model, prompts: prompts, configuration: configuration,
                                      processors: configuration.processors + extraProcessors)
            return loop.run(generator: &generator)
        }
    }

    /// `count` unconditional samples: every prompt is the begin token alone.
    public static func sample(model: any LanguageModel, count: Int, configuration: DecodingConfiguration,
                              generator: inout RandomGenerator) -> GeneratedBatch {
        sample(model: model, prompts: Array(repeating: [Vocabulary.beginID], count: count),
               configuration: configuration, generator: &generator)
    }
}

/// The state of one generation call. The per-position arrays are raw buffers so that rows
/// can be filled in parallel, each writing only its own slots.
private final class GenerationLoop {
    let model: any LanguageModel
    let prompts: [[Int]]
    let configuration: DecodingConfiguration
    let processors: [any LogitProcessor]
    let batch: Int
    let vocabulary: Int
    /// Longest possible sequence.
    let capacity: Int

    /// [batch, capacity] token ids.
    let tokens: UnsafeMutablePointer<Int32>
    /// [batch, capacity − 1] per-action records.
    let actionMask, samplingLogProbabilities, modelLogProbabilities, entropies, values: UnsafeMutablePointer<Float>
    var generatedCount: [Int]
    var finished: [Bool]
    var endedWithEnd: [Bool]

    init(model: any LanguageModel, prompts: [[Int]], configuration: DecodingConfiguration, processors: [any LogitProcessor]) {
        self.model = model
        self.prompts = prompts
        self.configuration = configuration
        self.processors = processors
        batch = prompts.count
        vocabulary = model.vocabularySize
        capacity = prompts.map(\.count).max()! + configuration.maximumNewTokens
        if let maximum = model.maximumLength, capacity > maximum {
            preconditionFailure("\(LanguageModelError.sequenceTooLong(length: capacity, maximum: maximum))")
        }
        tokens = .allocate(capacity: batch * capacity)
        tokens.initialize(repeating: Int32(Vocabulary.paddingID), count: batch * capacity)
        for (i, prompt) in prompts.enumerated() {
            for (j, token) in prompt.enumerated() { tokens[i * capacity + j] = Int32(token) }
        }
        let actions = Swift.max(batch * (capacity - 1), 1)
        func zeros() -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: actions)
            p.initialize(repeating: 0, count: actions)
            return p
        }
        actionMask = zeros(); samplingLogProbabilities = zeros(); modelLogProbabilities = zeros()
        entropies = zeros(); values = zeros()
        generatedCount = [Int](repeating: 0, count: batch)
        finished = [Bool](repeating: configuration.maximumNewTokens == 0, count: batch)
        endedWithEnd = [Bool](repeating: false, count: batch)
    }

    deinit {
        for p in [actionMask, samplingLogProbabilities, modelLogProbabilities, entropies, values] { p.deallocate() }
        tokens.deallocate()
    }

    /// Whether nothing is left to do at `position`.
    func isDone(at position: Int) -> Bool {
        position >= capacity || (finished.allSatisfy { $0 } && prompts.allSatisfy { $0.count <= position })
    }

    func run(generator: inout RandomGenerator) -> GeneratedBatch {
        let shortestPrompt = prompts.map(\.count).min()!
        let state = model.makeDecodingState(batchSize: batch)
        let observers = processors.compactMap { $0 as? any ObservingLogitProcessor }
        func feed(_ input: IntTensor) -> LanguageModelOutput {
            for observer in observers { observer.observe(input) }
            return model.decode(input, state: state)
        }
        for observer in observers { observer.begin(batchSize: batch) }
        // The shared prefix in one call; its last position scores the next token.
        var output = feed(prefix(length: shortestPrompt))
        var position = shortestPrompt  // the position being filled
        while !isDone(at: position) {
            choose(position: position, output: output, generator: &generator)
            let next = IntTensor((0..<batch).map { tokens[$0 * capacity + position] }, shape: [batch, 1])
            position += 1
            if !isDone(at: position) { output = feed(next) }
        }
        return assemble(length: position)
    }

    /// The first `length` tokens of every sequence (all prompt tokens), [B, length].
    func prefix(length: Int) -> IntTensor {
        IntTensor((0..<batch).flatMap { i in (0..<length).map { tokens[i * capacity + $0] } }, shape: [batch, length])
    }

    /// Fills `position` of every sequence from the last position of `output`. Rows are
    /// independent and processed in parallel; the uniforms are drawn first, in row order,
    /// so the result does not depend on the thread count.
    func choose(position: Int, output: LanguageModelOutput, generator: inout RandomGenerator) {
        let steps = output.logits.shape[1]
        let uniforms = (0..<batch).map { _ in generator.nextFloat() }
        let active = (0..<batch).filter { position >= prompts[$0].count && !finished[$0] }
        let logits = output.logits.storage.pointer
        let valuePointer = output.values?.storage.pointer
        let generated = generatedCount
        Parallel.forEachChunk(active.count, grain: Swift.max(1, 4_096 / vocabulary)) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * vocabulary)
            defer { scratch.deallocate() }
            for k in range {
                let i = active[k]
                let row = logits + (i * steps + steps - 1) * vocabulary
                let slot = i * (capacity - 1) + (position - 1)
                if processors.isEmpty && !configuration.greedy {
                    // Sampling from the model itself: one exponential pass gives the draw,
                    // its log-probability and the entropy.
                    let draw = RowKernels.sampleWithStatistics(row, count: vocabulary, uniform: uniforms[i], scratch: scratch)
                    tokens[i * capacity + position] = Int32(draw.index)
                    actionMask[slot] = 1
                    samplingLogProbabilities[slot] = draw.logProbability
                    modelLogProbabilities[slot] = draw.logProbability
                    entropies[slot] = draw.entropy
                    if let valuePointer { values[slot] = valuePointer[i * steps + steps - 1] }
                    continue
                }
                let lse = RowKernels.logSumExp(row, count: vocabulary)
                scratch.update(from: row, count: vocabulary)
                let history = ArraySlice(UnsafeBufferPointer(start: tokens + i * capacity, count: position))
                for processor in processors {
                    processor.process(UnsafeMutableBufferPointer(start: scratch, count: vocabulary),
                                      sequence: i, generated: generated[i], tokens: history)
                }
                let token: Int, samplingLogProbability: Float
                if configuration.greedy {
                    (token, samplingLogProbability) = (RowKernels.argmax(scratch, count: vocabulary), 0)
                } else {
                    (token, samplingLogProbability) = RowKernels.sample(scratch, count: vocabulary, uniform: uniforms[i],
                                                                        scratch: scratch + vocabulary)
                }
                tokens[i * capacity + position] = Int32(token)
                actionMask[slot] = 1
                samplingLogProbabilities[slot] = samplingLogProbability
                modelLogProbabilities[slot] = row[token] - lse
                entropies[slot] = RowKernels.softmaxEntropy(row, count: vocabulary, logNormalizer: lse)
                if let valuePointer { values[slot] = valuePointer[i * steps + steps - 1] }
            }
        }
        for i in active {
            generatedCount[i] += 1
            if configuration.stopAtEndToken && Int(tokens[i * capacity + position]) == configuration.endToken {
                finished[i] = true
                endedWithEnd[i] = true
            } else if generatedCount[i] >= configuration.maximumNewTokens {
                finished[i] = true
            }
        }
    }

    /// The batch trimmed to `length` positions.
    func assemble(length: Int) -> GeneratedBatch {
        let width = Swift.max(length - 1, 0)
        func trimmed(_ values: UnsafeMutablePointer<Float>) -> Tensor {
            Tensor((0..<batch).flatMap { i in (0..<width).map { values[i * (capacity - 1) + $0] } }, shape: [batch, width])
        }
        return GeneratedBatch(
            tokens: IntTensor((0..<batch).flatMap { i in (0..<length).map { tokens[i * capacity + $0] } }, shape: [batch, length]),
            promptLengths: prompts.map(\.count),
            lengths: (0..<batch).map { prompts[$0].count + generatedCount[$0] },
            actionMask: trimmed(actionMask),
            samplingLogProbabilities: trimmed(samplingLogProbabilities),
            modelLogProbabilities: trimmed(modelLogProbabilities),
            entropies: trimmed(entropies),
            values: model.hasValueHead ? trimmed(values) : nil,
            endedWithEndToken: endedWithEnd)
    }
}
