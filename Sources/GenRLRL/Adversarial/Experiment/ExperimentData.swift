import Foundation
import GenRLModels
import GenRLTensor

/// The real data of an adversarial experiment in the token layouts its parts read.
///
/// A *sequence* is the generated part of a sample: T tokens for the discriminator (the
/// oracle's 20 ids; a line's characters, the end token, then padding 0), preceded by
/// `startToken` when the generator reads it (0 for the oracle, `<bos>` = 1 for text).
public struct ExperimentData {
    /// Training and held-out sequences, unpadded (a text line ends with its end token).
    public var training: [[Int]]
    /// Held-out sequences (NLL-test, BLEU), laid out as `training`.
    public var test: [[Int]]
    /// The generator's first input.
    public var startToken: Int
    /// The end token of variable-length data (nil for the oracle's fixed length).
    public var endToken: Int?
    /// T, the length of every generated sequence.
    public var sequenceLength: Int
    /// Token ids.
    public var vocabularySize: Int
    /// Turns tokens into text for rewards and sample files.
    public var tokenizer: any Tokenizer
    /// The oracle, for synthetic data.
    public var oracle: SyntheticOracle?
    /// The training lines, for text data (objectives built from the corpus).
    public var trainingLines: [String]

    /// The oracle's data: training and test sequences sampled from it.
    public static func oracle(_ oracle: SyntheticOracle, trainingCount: Int, testCount: Int, seed: UInt64) -> ExperimentData {
        let dataset = oracle.makeDataset(trainingCount: trainingCount, testCount: testCount, seed: seed)
        return ExperimentData(training: dataset.training, test: dataset.test, startToken: SyntheticOracle.startToken,
                              endToken: nil, sequenceLength: SyntheticOracle.sequenceLength,
                              vocabularySize: SyntheticOracle.vocabularySize,
                              tokenizer: SyntheticOracle.numberTokenizer(), oracle: oracle, trainingLines: [])
    }

    /// Lines of a text file of at most `maximumCharacters` characters, tokenized by
    /// characters (the tokenizer learned from the training lines), split by a seeded
    /// shuffle into training and test lines.
    public static func corpus(_ url: URL, maximumCharacters: Int, testFraction: Double, seed: UInt64) throws -> ExperimentData {
        let corpus = try LineCorpus(contentsOf: url)
        let lines = corpus.samples.filter { !$0.isEmpty && $0.unicodeScalars.count <= maximumCharacters }
        guard lines.count >= 2 else {
            throw ExperimentError.invalid("\(url.path): fewer than 2 lines of at most \(maximumCharacters) characters")
        }
        var generator = RandomGenerator(seed: seed)
        let order = generator.permutation(lines.count)
        let testCount = Swift.max(1, Int((Double(lines.count) * testFraction).rounded()))
        let testLines = order.prefix(testCount).map { lines[$0] }
        let trainingLines = order.dropFirst(testCount).map { lines[$0] }
        let tokenizer = try CharacterTokenizer(corpus: trainingLines)
        func encode(_ line: String) -> [Int] { tokenizer.encode(line) + [Vocabulary.endID] }
        return ExperimentData(training: trainingLines.map(encode), test: testLines.map(encode), startToken: Vocabulary.beginID,
                              endToken: Vocabulary.endID, sequenceLength: maximumCharacters + 1,
                              vocabularySize: tokenizer.vocabularySize, tokenizer: tokenizer, oracle: nil,
                              trainingLines: trainingLines)
    }

    /// Batches of `[startToken] + sequence` for MLE (right-padded, masks over the padding).
    public func batches(_ sequences: [[Int]], batchSize: Int, seed: UInt64, shuffle: Bool = true) throws -> TokenBatches {
        try TokenBatches(encodedSamples: sequences.map { [startToken] + $0 }, batchSize: batchSize, seed: seed,
                         addBeginToken: false, addEndToken: false, shuffle: shuffle)
    }

    /// The text of a sequence (tokens before the end token).
    public func text(_ sequence: [Int]) -> String {
        tokenizer.decode(contentTokens(sequence))
    }

    /// The tokens before the end token (padding dropped).
    public func contentTokens(_ sequence: [Int]) -> [Int] {
        guard let endToken, let end = sequence.firstIndex(of: endToken) else {
            return endToken == nil ? sequence : sequence.filter { $0 != Vocabulary.paddingID }
        }
        return Array(sequence[..<end])
    }
}

/// Why an experiment cannot run.
public enum ExperimentError: Error, CustomStringConvertible {
    /// A configuration value or data file is unusable; the message names it.
    case invalid(String)

    /// The message.
    public var description: String {
        switch self {
        case .invalid(let message): message
        }
    }
}
