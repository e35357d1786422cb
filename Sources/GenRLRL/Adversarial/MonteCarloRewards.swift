import GenRLModels
import GenRLNN
import GenRLTensor

/// Scores finished sequences for Monte Carlo rollouts: the same sequences scored many
/// times as completions of their own prefixes, so a scorer may cache what the
/// completions share with the sequences (`CNNDiscriminator.prefixCache`).
public protocol CompletionScorer: AnyObject {
    /// Prepares for the rollouts of `sequences` [B, T] (generated tokens, no start token).
    func begin(sequences: IntTensor) throws
    /// One score per row of `completions` [R, T], where row r keeps the first
    /// `prefixLength` tokens of sequence r mod B. With `prefixLength == T` the
    /// completions are the sequences themselves (R = B).
    func score(completions: IntTensor, prefixLength: Int) throws -> [Double]
}

/// SeqGAN's action values by Monte Carlo search (Yu et al. 2017, Eq. 4): for a sequence
/// Y = y₁…y_T and each prefix length t < T, N completions Y¹…Y^N of y₁…y_t are sampled
/// from the rollout policy G_β, and
///
///     Q(y₁…y_{t−1}, y_t) = (1/N) Σₙ D(Yⁿ)     for t < T,
///     Q(y₁…y_{T−1}, y_T) = D(Y)               for t = T,
///
/// where D is the `CompletionScorer` (SeqGAN: the discriminator's probability of "real";
/// ORGAN: its mix with an objective). N = 16 in the paper and LantaoYu/SeqGAN.
///
/// All N × B completions of one prefix length are sampled and scored as one batch
/// (1,024 rows for SeqGAN's 64 × 16): the rollout network starts every completion from
/// the recorded state of its prefix (`LSTMSampler.prefixStates`), and the
/// discriminator reuses the convolution windows inside the prefix.
public struct MonteCarloRewardEstimator {
    /// N, completions per prefix (16).
    public var rolloutCount: Int
    /// The first input of every sequence (0 for the synthetic oracle, `<bos>` for text).
    public var startToken: Int
    /// When set, every token after a sequence's first end token becomes padding (id 0),
    /// the layout of generated and real batches of variable-length data.
    public var endToken: Int?

    /// An estimator with N = `rolloutCount` (the paper's 16 by default).
    ///
    /// - Precondition: `rolloutCount` ≥ 1.
    public init(rolloutCount: Int = 16, startToken: Int, endToken: Int? = nil) {
        precondition(rolloutCount >= 1, "MonteCarloRewardEstimator: rolloutCount must be at least 1, got \(rolloutCount)")
        self.rolloutCount = rolloutCount
        self.startToken = startToken
        self.endToken = endToken
    }

    /// Q [B][T] for `sequences` (B rows of T tokens each, start token excluded), with
    /// completions sampled by `rollout` (the rollout network's sampler) from `generator`.
    public func actionValues(of sequences: [[Int]], rollout: LSTMSampler, scorer: any CompletionScorer,
                             generator: inout RandomGenerator) throws -> [[Double]] {
        guard let length = sequences.first?.count, length >= 1,
              sequences.allSatisfy({ $0.count == length }) else {
            preconditionFailure("MonteCarloRewardEstimator: sequences must be non-empty and of one length")
        }
        let count = sequences.count
        let plain = IntTensor(sequences.flatMap { $0 }, shape: [count, length])
        try scorer.begin(sequences: plain)
        var values = [[Double]](repeating: [Double](repeating: 0, count: length), count: count)
        let withStart = SyntheticOracle.withStartToken(sequences, startToken: startToken)
        let states = rollout.prefixStates(of: withStart)
        for prefix in 1..<length {
            let completions = rollout.complete(withStart, keeping: prefix + 1, copies: rolloutCount, states: states,
                                               generator: &generator)
            let scores = try scorer.score(completions: droppingStartColumn(completions), prefixLength: prefix)
            for (row, score) in scores.enumerated() { values[row % count][prefix - 1] += score }
        }
        for row in 0..<count {
            for prefix in 1..<length { values[row][prefix - 1] /= Double(rolloutCount) }
        }
        let final = try scorer.score(completions: plain, prefixLength: length)
        for row in 0..<count { values[row][length - 1] = final[row] }
        return values
    }

    /// Columns 1… of a [R, T + 1] matrix, with everything after an end token made padding.
    func droppingStartColumn(_ tokens: IntTensor) -> IntTensor {
        let (rows, width) = (tokens.shape[0], tokens.shape[1])
        var result = [Int32](repeating: 0, count: rows * (width - 1))
        for r in 0..<rows {
            var ended = false
            for t in 1..<width {
                let token = tokens.scalars[r * width + t]
                result[r * (width - 1) + t - 1] = ended ? Int32(Vocabulary.paddingID) : token
                if let endToken, Int(token) == endToken { ended = true }
            }
        }
        return IntTensor(result, shape: [rows, width - 1])
    }
}

/// SeqGAN's scorer: the discriminator's probability that a sequence is real,
/// softmax(D(Y))[1], with dropout off (`dropout_keep_prob: 1.0` in `rollout.py`).
public final class DiscriminatorScorer: CompletionScorer {
    /// The discriminator read (in evaluation mode); it is not trained here.
    public let discriminator: CNNDiscriminator
    private var cache: CNNDiscriminator.PrefixCache?

    /// A scorer reading `discriminator`.
    public init(_ discriminator: CNNDiscriminator) { self.discriminator = discriminator }

    /// Puts the discriminator in evaluation mode (dropout off) and caches the convolution
    /// windows of `sequences` for the completions of their prefixes.
    public func begin(sequences: IntTensor) throws {
        discriminator.eval()
        cache = discriminator.prefixCache(for: sequences)
    }

    /// softmax(D(Y))[1] of each completion, reusing the windows inside the prefix.
    ///
    /// - Precondition: `begin(sequences:)` was called first.
    public func score(completions: IntTensor, prefixLength: Int) throws -> [Double] {
        guard let cache else { preconditionFailure("DiscriminatorScorer.score before begin(sequences:)") }
        let probabilities = prefixLength == cache.sequences.shape[1]
            ? discriminator.realProbability(of: cache)
            : discriminator.realProbability(ofCompletions: completions, prefixLength: prefixLength, cache: cache)
        return probabilities.scalars.map(Double.init)
    }
}
