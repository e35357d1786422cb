import Foundation
import GenRLNN
import GenRLTensor

/// The synthetic-data oracle of SeqGAN (Yu et al., AAAI 2017, §"Synthetic Data
/// Experiments"): an LSTM language model with random weights that plays the real data
/// distribution, so that a generator can be judged by how likely the oracle finds its
/// samples (NLL-oracle), which no real corpus allows.
///
/// Shape (the paper's and LantaoYu/SeqGAN's `target_lstm.py`): vocabulary 5000,
/// embedding and hidden size 32, one LSTM layer, every parameter drawn from N(0, 1).
/// Sequences are 20 tokens long.
///
/// **Start token.** The oracle's vocabulary has no special tokens: all 5000 ids are
/// "words", and every sequence starts from token 0 fed as the first input with zero
/// hidden and cell states (`START_TOKEN = 0` in the reference). GenRL's text models
/// use `<bos>` = 1 for that role, so oracle experiments pass the start token explicitly:
/// the prompt of generation is `[startToken]`, training batches are `[0] + sequence`
/// built with `addBeginToken: false, addEndToken: false`, and decoding never stops at an
/// end token (every sequence has exactly 20 tokens, so no padding ever appears). A
/// "sequence" in this API is the 20 generated tokens without the start token, as in the
/// reference's data files.
///
/// The oracle behind the paper's Table 1 is loaded with `init(contentsOf:)` from
/// `seqgan-oracle.safetensors` (PyTorch layout: `embedding.weight`, `lstm.weight_ih_l0`,
/// …, `out.weight`); `init(seed:)` draws a fresh one.
public final class SyntheticOracle {
    /// 5000 token ids.
    public static let vocabularySize = 5000
    /// Embedding size (32).
    public static let embeddingSize = 32
    /// LSTM hidden size (32).
    public static let hiddenSize = 32
    /// Tokens per sequence (the start token not counted).
    public static let sequenceLength = 20
    /// The first input of every sequence.
    public static let startToken = 0
    /// Where the shared data directory keeps the paper's oracle, relative to it.
    public static let sharedFileName = "seqgan-oracle.safetensors"

    /// The configuration of the oracle's model (and of SeqGAN's generator).
    public static var modelConfiguration: RecurrentLanguageModelConfiguration {
        RecurrentLanguageModelConfiguration(vocabularySize: vocabularySize, cell: .lstm, embeddingSize: embeddingSize,
                                            hiddenSize: hiddenSize, layers: 1)
    }

    /// The oracle's language model.
    public let model: RecurrentLanguageModel
    /// Fast sampling and scoring over `model`.
    public let sampler: LSTMSampler

    /// A new oracle with every parameter drawn from N(0, 1) by a generator seeded with
    /// `seed`, except `lstm.bias_hh_l0`, which is zero (the reference has one bias per
    /// gate, stored in `bias_ih_l0`).
    public init(seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        model = RecurrentLanguageModel(Self.modelConfiguration, generator: &generator)
        for (name, tensor) in model.namedParameters() {
            let drawn = name == "lstm.bias_hh_l0"
                ? Tensor.zeros(tensor.shape)
                : Tensor.randomNormal(tensor.shape, using: &generator)
            tensor.assign(drawn)
        }
        model.freeze()
        model.eval()
        sampler = LSTMSampler(model)
    }

    /// The oracle stored in a safetensors file with the layout above.
    ///
    /// - Throws: `SyntheticOracleError.unreadable` when the file cannot be read or its
    ///   tensors do not fit the oracle's shape.
    public init(contentsOf url: URL) throws(SyntheticOracleError) {
        var generator = RandomGenerator(seed: 0)
        model = RecurrentLanguageModel(Self.modelConfiguration, generator: &generator)
        do {
            try model.load(SafeTensors.read(contentsOf: url).tensors)
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        model.freeze()
        model.eval()
        sampler = LSTMSampler(model)
    }

    /// The paper's oracle file in the shared data directory, if there is one: the
    /// directory named by `GENRL_SHARED_DATA`, else `../shared/data` above the current
    /// directory or any of its parents.
    public static func sharedFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        let fileManager = FileManager.default
        if let directory = environment["GENRL_SHARED_DATA"] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(sharedFileName)
            return fileManager.fileExists(atPath: url.path) ? url : nil
        }
        var directory = URL(fileURLWithPath: fileManager.currentDirectoryPath)
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("shared/data").appendingPathComponent(sharedFileName)
            if fileManager.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    // MARK: - Sampling

    /// `count` sequences of 20 tokens sampled from the oracle (start token not included).
    public func sample(count: Int, generator: inout RandomGenerator) -> [[Int]] {
        Self.sequences(of: sampler.sample(count: count, startToken: Self.startToken, length: Self.sequenceLength,
                                          generator: &generator))
    }

    /// The training and held-out sets of a synthetic-data experiment, sampled in that
    /// order from one generator seeded with `seed` (SeqGAN: 10,000 training sequences).
    public func makeDataset(trainingCount: Int = 10_000, testCount: Int = 2_000, seed: UInt64) -> OracleDataset {
        var generator = RandomGenerator(seed: seed)
        let training = sample(count: trainingCount, generator: &generator)
        let test = sample(count: testCount, generator: &generator)
        return OracleDataset(training: training, test: test)
    }

    // MARK: - Likelihood

    /// The oracle's mean negative log-likelihood per token (nats) of `sequences`, each
    /// scored after the start token: −(1/(N·T)) Σₙ Σₜ log p_oracle(yₜ | 0, y₁…yₜ₋₁).
    public func negativeLogLikelihood(of sequences: [[Int]]) -> Double {
        Self.meanNegativeLogLikelihood(sampler: sampler, sequences: sequences)
    }

    /// NLL-oracle (Yu et al. 2017; Texygen): the oracle's mean per-token negative
    /// log-likelihood of `sampleCount` sequences sampled from `generatorModel` (an LSTM
    /// model over the oracle's vocabulary, started from token 0). The paper reports
    /// random 10.310, MLE 9.038, SeqGAN 8.736; the reported figures use 100,000 samples.
    public func negativeLogLikelihood(ofSamplesFrom generatorSampler: LSTMSampler, sampleCount: Int,
                                      generator: inout RandomGenerator) -> Double {
        let samples = generatorSampler.sample(count: sampleCount, startToken: Self.startToken,
                                              length: Self.sequenceLength, generator: &generator)
        let logLikelihoods = sampler.logLikelihoods(of: samples)
        return -logLikelihoods.reduce(0, +) / Double(sampleCount * Self.sequenceLength)
    }

    /// −mean log p per token of `sequences` (after the start token) under `sampler`'s
    /// model: NLL-test when the sampler is the generator's and the sequences held out.
    public static func meanNegativeLogLikelihood(sampler: LSTMSampler, sequences: [[Int]]) -> Double {
        guard !sequences.isEmpty else { return .nan }
        let tokens = withStartToken(sequences)
        let total = sampler.logLikelihoods(of: tokens).reduce(0, +)
        let count = sequences.reduce(0) { $0 + $1.count }
        return -total / Double(count)
    }

    // MARK: - Layout helpers

    /// [N, T + 1] token ids with the start token in column 0 (all sequences of equal length T).
    public static func withStartToken(_ sequences: [[Int]], startToken: Int = startToken) -> IntTensor {
        let length = sequences.first?.count ?? 0
        precondition(sequences.allSatisfy { $0.count == length }, "SyntheticOracle.withStartToken: sequences differ in length")
        return IntTensor(sequences.flatMap { [startToken] + $0 }, shape: [sequences.count, length + 1])
    }

    /// The rows of a [N, T + 1] matrix without column 0.
    public static func sequences(of tokens: IntTensor) -> [[Int]] {
        (0..<tokens.shape[0]).map { Array(tokens.row($0).dropFirst()) }
    }

    /// A tokenizer that writes oracle ids as decimal numbers, for logs and sample files:
    /// id k ≥ 4 is the word "k" (ids 0–3 are GenRL's special tokens and decode to nothing
    /// or "<unk>", so rewards and metrics on oracle data read token ids, never text).
    public static func numberTokenizer(vocabularySize: Int = vocabularySize) -> WordTokenizer {
        let vocabulary = try! Vocabulary(learnedTokens: (Vocabulary.specialTokenCount..<vocabularySize).map { String($0) })
        return try! WordTokenizer(file: TokenizerFile(kind: .word, vocabulary: vocabulary))
    }
}

/// The sequences of a synthetic-data experiment: 20 token ids each, start token excluded.
public struct OracleDataset: Sendable, Equatable {
    /// Sequences the generator is trained on (SeqGAN: 10,000).
    public var training: [[Int]]
    /// Held-out sequences for NLL-test and BLEU.
    public var test: [[Int]]

    /// A dataset of the given training and held-out sequences.
    public init(training: [[Int]], test: [[Int]]) {
        self.training = training
        self.test = test
    }

    /// Writes one sequence per line, ids separated by spaces (the format of SeqGAN's
    /// `save/real_data.txt`).
    public static func write(_ sequences: [[Int]], to url: URL) throws {
        let text = sequences.map { $0.map(String.init).joined(separator: " ") }.joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Reads a file written by `write(_:to:)`; every line must hold `length` ids below
    /// `vocabularySize`.
    ///
    /// - Throws: `SyntheticOracleError.unreadable` or `.badLine` naming the line.
    public static func read(from url: URL, length: Int = SyntheticOracle.sequenceLength,
                            vocabularySize: Int = SyntheticOracle.vocabularySize) throws(SyntheticOracleError) -> [[Int]] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        var sequences: [[Int]] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let ids = line.split(separator: " ").map { Int($0) }
            guard ids.count == length, ids.allSatisfy({ $0 != nil && $0! >= 0 && $0! < vocabularySize }) else {
                throw .badLine(path: url.path, line: index + 1, reason: "expected \(length) ids in 0..<\(vocabularySize)")
            }
            sequences.append(ids.map { $0! })
        }
        return sequences
    }
}

/// Why an oracle or its data could not be loaded.
public enum SyntheticOracleError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read, or its tensors do not fit the oracle.
    case unreadable(path: String, reason: String)
    /// A line of a sequence file is malformed.
    case badLine(path: String, line: Int, reason: String)

    /// The file (and line) at fault, then the reason.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot load the SeqGAN oracle: \(reason)"
        case .badLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        }
    }
}
