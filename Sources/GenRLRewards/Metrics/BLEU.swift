import Foundation

/// BLEU (Papineni et al., 2002) exactly as sacreBLEU 2.x computes it (Post, 2018).
///
/// For a corpus with hypothesis length `c`, reference length `r` (per segment, the
/// reference length closest to the hypothesis length, the shorter on a tie) and
/// modified n-gram precisions `p_n` (matches clipped by the largest count of the n-gram
/// in any single reference of the segment, summed over the corpus, over all hypothesis
/// n-grams), with `N` the maximum order (4):
///
///     BLEU = 100 · BP · exp( (1/N) Σ_{n=1..N} log p_n ),   BP = min(1, exp(1 − r/c))
///
/// Lines are lowercased first if asked (Python's `str.lower()`), right-stripped, and
/// tokenized (`13a` by default); tokens are the whitespace-separated pieces.
///
/// References are given **per hypothesis**: `references[i]` lists every reference of
/// `hypotheses[i]` (any number ≥ 1, which may differ between hypotheses). sacreBLEU's
/// `corpus_score` instead takes reference streams; convert those with
/// `ReferenceStreams.perHypothesis(fromStreams:)`.
///
/// Defaults are sacreBLEU's: `BLEU()` gives `corpus_bleu`'s numbers from `corpusScore`
/// and `sentence_bleu`'s numbers (effective order on) from `sentenceScore`.
public struct BLEU: Sendable {
    /// How zero n-gram precisions are smoothed (Chen & Cherry, 2014). Precisions are on
    /// the 0–100 scale, `m_n` are matches and `t_n` totals.
    public enum Smoothing: Sendable, Equatable {
        /// sacreBLEU `none`: `p_n = 100 m_n / t_n`; a zero precision makes BLEU 0.
        case noSmoothing
        /// sacreBLEU `floor` (Chen & Cherry's method 1): a zero `m_n` is replaced by
        /// `epsilon`, default 0.1.
        case floor(epsilon: Double = 0.1)
        /// sacreBLEU `add-k` (method 2): `p_n = 100 (m_n + k) / (t_n + k)` for `n ≥ 2`,
        /// default `k = 1`.
        case addK(k: Double = 1)
        /// sacreBLEU `exp` (method 3, NIST's `mteval-v13a.pl` smoothing, the default):
        /// the j-th order with `m_n = 0` gets `p_n = 100 / (2^j t_n)`.
        case exponential

        /// sacreBLEU's name (`--smooth-method`): `none`, `floor`, `add-k` or `exp`.
        public var sacreBLEUName: String {
            switch self {
            case .noSmoothing: return "none"
            case .floor: return "floor"
            case .addK: return "add-k"
            case .exponential: return "exp"
            }
        }
    }

    /// When n-gram orders beyond the hypothesis' longest n-gram are left out of the
    /// geometric mean, so that a short segment is not scored 0. sacreBLEU's
    /// `effective_order`: with it, `N` becomes the highest order with `t_n > 0`.
    public enum EffectiveOrder: Sendable, Equatable {
        /// Never (sacreBLEU `BLEU()`'s default).
        case off
        /// For corpus and sentence scores alike.
        case on
        /// For `sentenceScore` only, as sacreBLEU's `corpus_bleu` (off) and
        /// `sentence_bleu` (on) functions do. The default.
        case sentenceLevelOnly

        /// Whether effective order applies at the given level.
        public func applies(sentenceLevel: Bool) -> Bool {
            switch self {
            case .off: return false
            case .on: return true
            case .sentenceLevelOnly: return sentenceLevel
            }
        }
    }

    /// References tokenized and counted once, to score many hypotheses against them
    /// (sacreBLEU's reference cache).
    public struct PreparedReferences: Sendable {
        /// Per order, each n-gram's largest count in any one reference.
        let maximumCounts: [[NGramKey: Int]]
        /// Token count of each reference.
        let lengths: [Int]
        /// The BLEU settings that tokenized them.
        let preprocessing: Preprocessing

        /// Number of references.
        public var count: Int { lengths.count }
    }

    /// The settings that decide how a line becomes tokens and n-grams.
    struct Preprocessing: Sendable, Equatable {
        let tokenizer: BLEUTokenizer
        let lowercase: Bool
        let maxNgramOrder: Int
    }

    /// The tokenizer (sacreBLEU `tokenize`, default `13a`).
    public var tokenizer: BLEUTokenizer
    /// The smoothing method (sacreBLEU `smooth_method`, default `exp`).
    public var smoothing: Smoothing
    /// Lowercase hypotheses and references first (sacreBLEU `lowercase`, default false).
    public var lowercase: Bool
    /// The highest n-gram order `N` (sacreBLEU `max_ngram_order`, default 4).
    public var maxNgramOrder: Int
    /// When effective order is used (default: for sentence scores only).
    public var effectiveOrder: EffectiveOrder

    /// BLEU with sacreBLEU's defaults unless told otherwise. `maxNgramOrder` must be ≥ 1.
    public init(tokenizer: BLEUTokenizer = .thirteenA, smoothing: Smoothing = .exponential,
                lowercase: Bool = false, maxNgramOrder: Int = 4,
                effectiveOrder: EffectiveOrder = .sentenceLevelOnly) {
        precondition(maxNgramOrder >= 1, "BLEU needs a maximum n-gram order of at least 1")
        self.tokenizer = tokenizer
        self.smoothing = smoothing
        self.lowercase = lowercase
        self.maxNgramOrder = maxNgramOrder
        self.effectiveOrder = effectiveOrder
    }

    var preprocessing: Preprocessing {
        Preprocessing(tokenizer: tokenizer, lowercase: lowercase, maxNgramOrder: maxNgramOrder)
    }

    // MARK: - Scores

    /// Corpus BLEU of `hypotheses[i]` against `references[i]` (all its references).
    ///
    /// - Throws: `MetricError.emptyCorpus`, `.lengthMismatch`, or `.noReferences` naming
    ///   the first hypothesis without references.
    public func corpusScore(hypotheses: [String], references: [[String]]) throws(MetricError) -> BLEUScore {
        guard !hypotheses.isEmpty else { throw .emptyCorpus }
        guard hypotheses.count == references.count else {
            throw .lengthMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        var total = BLEUStatistics.zero(order: maxNgramOrder)
        for (index, hypothesis) in hypotheses.enumerated() {
            guard !references[index].isEmpty else { throw .noReferences(hypothesisIndex: index) }
            total = total + statistics(hypothesis: hypothesis, references: prepare(references: references[index]))
        }
        return score(total, sentenceLevel: false)
    }

    /// Sentence BLEU of one hypothesis against its references (sacreBLEU's
    /// `sentence_bleu` with the default settings).
    ///
    /// - Throws: `MetricError.noReferences` if `references` is empty.
    public func sentenceScore(hypothesis: String, references: [String]) throws(MetricError) -> BLEUScore {
        guard !references.isEmpty else { throw .noReferences(hypothesisIndex: 0) }
        return sentenceScore(hypothesis: hypothesis, references: prepare(references: references))
    }

    /// Sentence BLEU against references prepared once with `prepare(references:)`.
    public func sentenceScore(hypothesis: String, references: PreparedReferences) -> BLEUScore {
        score(statistics(hypothesis: hypothesis, references: references), sentenceLevel: true)
    }

    // MARK: - Statistics

    /// Tokenizes and counts `references` once, to score many hypotheses against them.
    /// Give at least one reference: against none, every hypothesis scores 0.
    public func prepare(references: [String]) -> PreparedReferences {
        var maximumCounts = Array(repeating: [NGramKey: Int](), count: maxNgramOrder)
        var lengths: [Int] = []
        for reference in references {
            let tokens = self.tokens(reference)
            lengths.append(tokens.count)
            for order in 1...maxNgramOrder {
                for (key, count) in NGramCounts.words(tokens, order: order) {
                    maximumCounts[order - 1][key] = max(maximumCounts[order - 1][key] ?? 0, count)
                }
            }
        }
        return PreparedReferences(maximumCounts: maximumCounts, lengths: lengths, preprocessing: preprocessing)
    }

    /// The sufficient statistics of one hypothesis against prepared references (made by a
    /// `BLEU` with the same tokenizer, lowercasing and maximum order).
    public func statistics(hypothesis: String, references: PreparedReferences) -> BLEUStatistics {
        precondition(references.preprocessing == preprocessing,
                     "references were prepared by a BLEU with another tokenizer, case or order")
        let tokens = self.tokens(hypothesis)
        var matches = Array(repeating: 0, count: maxNgramOrder)
        var totals = Array(repeating: 0, count: maxNgramOrder)
        for order in 1...maxNgramOrder {
            let counts = NGramCounts.words(tokens, order: order)
            for (key, count) in counts {
                totals[order - 1] += count
                if let referenceCount = references.maximumCounts[order - 1][key] {
                    matches[order - 1] += min(count, referenceCount)
                }
            }
        }
        return BLEUStatistics(hypothesisLength: tokens.count,
                              referenceLength: Self.closestLength(to: tokens.count, among: references.lengths),
                              matches: matches, totals: totals)
    }

    /// The tokens BLEU counts in `line`: lowercased if asked, right-stripped, tokenized,
    /// split at whitespace.
    func tokens(_ line: String) -> [CodePoints] {
        var text = PythonText.codePoints(line)
        if lowercase { text = PythonText.lowercased(text) }
        return PythonText.split(tokenizer.tokenize(codePoints: PythonText.rstrip(text)))
    }

    /// The reference length closest to `length`; the shorter one on a tie; −1 if none.
    static func closestLength(to length: Int, among lengths: [Int]) -> Int {
        var closest = -1
        var closestDifference = -1
        for candidate in lengths {
            let difference = abs(length - candidate)
            if closestDifference == -1 || difference < closestDifference {
                closestDifference = difference
                closest = candidate
            } else if difference == closestDifference, candidate < closest {
                closest = candidate
            }
        }
        return closest
    }

    // MARK: - The formula

    /// BLEU from (summed) statistics, with this metric's smoothing; effective order is
    /// used if `effectiveOrder.applies(sentenceLevel:)`. Follows sacreBLEU's
    /// `compute_bleu` step by step, including its quirks: no matches at any order gives
    /// 0 with all precisions 0; the first order with no hypothesis n-grams ends the
    /// precision list; `log 0` is taken as −9 999 999 999.
    public func score(_ statistics: BLEUStatistics, sentenceLevel: Bool) -> BLEUScore {
        let order = statistics.matches.count
        let useEffectiveOrder = effectiveOrder.applies(sentenceLevel: sentenceLevel)
        let hypothesisLength = statistics.hypothesisLength
        let referenceLength = statistics.referenceLength

        var brevityPenalty = 1.0
        if hypothesisLength < referenceLength {
            brevityPenalty = hypothesisLength > 0
                ? exp(1 - Double(referenceLength) / Double(hypothesisLength)) : 0
        }
        var precisions = Array(repeating: 0.0, count: order)
        guard statistics.matches.contains(where: { $0 != 0 }) else {
            return BLEUScore(score: 0, statistics: statistics, precisions: precisions,
                             brevityPenalty: brevityPenalty)
        }

        var exponentialFactor = 1.0
        var usedOrder = order
        for n in 1...order {
            var matches = Double(statistics.matches[n - 1])
            var total = Double(statistics.totals[n - 1])
            if case let .addK(k) = smoothing, n > 1 {
                matches += k
                total += k
            }
            if total == 0 { break }
            if useEffectiveOrder { usedOrder = n }
            if matches == 0 {
                switch smoothing {
                case .exponential:
                    exponentialFactor *= 2
                    precisions[n - 1] = 100 / (exponentialFactor * total)
                case let .floor(epsilon):
                    precisions[n - 1] = 100 * epsilon / total
                case .noSmoothing, .addK:
                    break
                }
            } else {
                precisions[n - 1] = 100 * matches / total
            }
        }
        var logSum = 0.0
        for precision in precisions[..<usedOrder] {
            logSum += precision == 0 ? -9_999_999_999 : log(precision)
        }
        let bleu = brevityPenalty * exp(logSum / Double(usedOrder))
        return BLEUScore(score: bleu, statistics: statistics, precisions: precisions,
                         brevityPenalty: brevityPenalty)
    }
}
