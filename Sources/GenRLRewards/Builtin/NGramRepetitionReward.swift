/// The sequence-level repetition reward of Lagutin, Gavrilov & Kalaidin (2021),
/// "Implicit Unlikelihood Training: Improving Neural Text Generation with Reinforcement
/// Learning" (EACL): policy-gradient fine-tuning that rewards a completion for not
/// repeating its own n-grams.
///
/// The repetition measure is `seq-rep-n` of Welleck et al. (2020, "Neural Text
/// Generation with Unlikelihood Training"), the share of a sequence's n-grams that
/// repeat an earlier one:
///
///     seq-rep-n = 1 − |unique n-grams| / |n-grams|
///
/// over the `L − n + 1` n-grams of a sequence of `L` tokens. Lagutin et al.'s
/// sequence-level ("once") reward is `1 − seq-rep-n`, i.e. the share of unique n-grams,
/// with `n = 4` over the model's (BPE) tokens, their defaults and this type's
/// (`vklabmipt/implicit-unlikelihood-training`, `src/once_reward_pg.py`). `.negative`
/// gives `−seq-rep-n` instead; the two differ by the constant 1, which a baseline
/// removes.
///
/// A completion with fewer than `n` tokens has no n-gram. Lagutin et al.'s code then
/// counts `seq-rep-n` as 1 (the worst score), which `shortCompletions` keeps by default;
/// it can instead count as no repetition or give no score.
public final class NGramRepetitionReward: RewardFunction {
    /// How a completion is cut into tokens.
    public enum Tokenization: String, Sendable, Codable, CaseIterable {
        /// The sample's `completionTokens`, as given (the end token included when it was
        /// generated). The paper's choice: its n-grams are over BPE tokens.
        case tokens
        /// The completion text split at whitespace (Python's `str.split()`).
        case whitespace
    }

    /// How the reward is derived from `seq-rep-n`.
    public enum Form: String, Sendable, Codable, CaseIterable {
        /// `1 − seq-rep-n`, in [0, 1] (Lagutin et al.; the default).
        case oneMinusRepetition
        /// `−seq-rep-n`, in [−1, 0].
        case negative
    }

    /// What a completion shorter than `n` tokens gets.
    public enum ShortCompletion: String, Sendable, Codable, CaseIterable {
        /// `seq-rep-n = 1`, as in Lagutin et al.'s code (the default).
        case fullRepetition
        /// `seq-rep-n = 0`.
        case noRepetition
        /// No score (`nil`).
        case noScore
    }

    /// The name (default `ngram_repetition`).
    public let name: String
    /// The n-gram order (default 4).
    public let n: Int
    /// How completions are tokenized (default: their token ids).
    public let tokenization: Tokenization
    /// How the reward is derived from `seq-rep-n`.
    public let form: Form
    /// What a completion with fewer than `n` tokens gets.
    public let shortCompletions: ShortCompletion

    /// A repetition reward.
    ///
    /// - Throws: `RewardError.invalidConfiguration` when `n < 1`.
    public init(n: Int = 4, tokenization: Tokenization = .tokens, form: Form = .oneMinusRepetition,
                shortCompletions: ShortCompletion = .fullRepetition, name: String = "ngram_repetition") throws(RewardError) {
        guard n >= 1 else { throw .invalidConfiguration(reward: name, reason: "the n-gram order n must be ≥ 1, got \(n)") }
        self.name = name
        self.n = n
        self.tokenization = tokenization
        self.form = form
        self.shortCompletions = shortCompletions
    }

    /// `seq-rep-n` of `tokens`, or `nil` when there are fewer than `n` tokens.
    public static func sequenceRepetition<Token: Hashable>(_ tokens: [Token], n: Int) -> Double? {
        uniqueShare(tokens, n: n).map { 1 - $0 }
    }

    /// `|unique n-grams| / |n-grams|` of `tokens` (that is, `1 − seq-rep-n`), or `nil`
    /// when there are fewer than `n` tokens.
    public static func uniqueShare<Token: Hashable>(_ tokens: [Token], n: Int) -> Double? {
        precondition(n >= 1, "the n-gram order must be ≥ 1")
        guard tokens.count >= n else { return nil }
        let total = tokens.count - n + 1
        var unique: Set<ArraySlice<Token>> = []
        for start in 0..<total { unique.insert(tokens[start..<(start + n)]) }
        return Double(unique.count) / Double(total)
    }

    /// The repetition score of each completion in the chosen form; a completion too short for one
    /// n-gram is scored as `shortCompletions` says.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: samples.map { sample in
            let share: Double?
            switch tokenization {
            case .tokens:
                share = Self.uniqueShare(sample.completionTokens, n: n)
            case .whitespace:
                share = Self.uniqueShare(sample.completion.split(whereSeparator: \.isWhitespace), n: n)
            }
            let unique: Double
            if let share {
                unique = share
            } else {
                switch shortCompletions {
                case .fullRepetition: unique = 0
                case .noRepetition: unique = 1
                case .noScore: return nil
                }
            }
            switch form {
            case .oneMinusRepetition: return unique
            case .negative: return unique - 1
            }
        })
    }
}
