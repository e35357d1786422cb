/// chrF (Popović, 2015) and chrF++ (Popović, 2017) exactly as sacreBLEU 2.x computes them.
///
/// Character n-grams of orders 1…`characterOrder` (6) are taken over code points, after
/// removing all whitespace unless `includeWhitespace`; word n-grams of orders
/// 1…`wordOrder` (0 for chrF, 2 for chrF++) over words split at whitespace, with one
/// leading or trailing ASCII punctuation mark split off each word longer than one
/// character (trailing first). For each order, precision `P_n = matches / hypothesis
/// n-grams` and recall `R_n = matches / reference n-grams`, summed over the corpus; then
///
///     chrF_β = 100 · (1 + β²) P R / (β² P + R)
///
/// where `P` and `R` average `P_n`, `R_n` over the orders with both hypothesis and
/// reference n-grams (sacreBLEU's default, "effective order"); or, with
/// `epsilonSmoothing`, chrF_β averages the per-order F-scores, a missing precision,
/// recall or F counting as 1e-16 (chrF++.py, Moses and NLTK). β = 2 by default.
///
/// With several references a segment keeps the statistics of the reference that gives
/// it the highest segment-level score (the first one on a tie). References are given
/// per hypothesis, as for `BLEU`.
public struct CHRF: Sendable {
    /// Highest character n-gram order (sacreBLEU `char_order`, default 6).
    public var characterOrder: Int
    /// Highest word n-gram order (sacreBLEU `word_order`: 0 for chrF, 2 for chrF++).
    public var wordOrder: Int
    /// Weight of recall against precision (sacreBLEU `beta`, default 2).
    public var beta: Int
    /// Lowercase hypotheses and references first (Python `str.lower()`).
    public var lowercase: Bool
    /// Keep whitespace inside character n-grams (sacreBLEU `whitespace`, default false).
    public var includeWhitespace: Bool
    /// Average per-order F-scores with 1e-16 for missing values instead of using the
    /// effective order (sacreBLEU `eps_smoothing`, default false).
    public var epsilonSmoothing: Bool

    /// chrF with sacreBLEU's defaults unless told otherwise.
    public init(characterOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
                includeWhitespace: Bool = false, epsilonSmoothing: Bool = false) {
        precondition(characterOrder >= 0 && wordOrder >= 0 && characterOrder + wordOrder >= 1,
                     "chrF needs at least one n-gram order")
        self.characterOrder = characterOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.includeWhitespace = includeWhitespace
        self.epsilonSmoothing = epsilonSmoothing
    }

    /// chrF++: chrF with word unigrams and bigrams (`wordOrder: 2`).
    public static var chrFPlusPlus: CHRF { CHRF(wordOrder: 2) }

    /// The n-gram counts of one text: character orders first, then word orders.
    public struct PreparedText: Sendable {
        let counts: [[NGramKey: Int]]
    }

    // MARK: - Scores

    /// Corpus chrF of `hypotheses[i]` against `references[i]` (all its references).
    ///
    /// - Throws: `MetricError.emptyCorpus`, `.lengthMismatch` or `.noReferences`.
    public func corpusScore(hypotheses: [String], references: [[String]]) throws(MetricError) -> CHRFScore {
        guard !hypotheses.isEmpty else { throw .emptyCorpus }
        guard hypotheses.count == references.count else {
            throw .lengthMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        var total = CHRFStatistics.zero(orders: characterOrder + wordOrder)
        for (index, hypothesis) in hypotheses.enumerated() {
            guard !references[index].isEmpty else { throw .noReferences(hypothesisIndex: index) }
            total = total + statistics(hypothesis: hypothesis, references: references[index].map(prepare))
        }
        return score(total)
    }

    /// Sentence chrF of one hypothesis against its references.
    ///
    /// - Throws: `MetricError.noReferences` if `references` is empty.
    public func sentenceScore(hypothesis: String, references: [String]) throws(MetricError) -> CHRFScore {
        guard !references.isEmpty else { throw .noReferences(hypothesisIndex: 0) }
        return score(statistics(hypothesis: hypothesis, references: references.map(prepare)))
    }

    /// Sentence chrF against references prepared with `prepare(_:)`.
    public func sentenceScore(hypothesis: String, references: [PreparedText]) -> CHRFScore {
        score(statistics(hypothesis: hypothesis, references: references))
    }

    /// chrF from (summed) statistics.
    public func score(_ statistics: CHRFStatistics) -> CHRFScore {
        CHRFScore(score: fScore(statistics), characterOrder: characterOrder, wordOrder: wordOrder, beta: beta)
    }

    // MARK: - Statistics

    /// The n-gram counts of `text` (a reference, usually), for repeated scoring.
    public func prepare(_ text: String) -> PreparedText {
        var line = PythonText.codePoints(text)
        if lowercase { line = PythonText.lowercased(line) }
        let characters = includeWhitespace ? line : Array(PythonText.split(line).joined())
        var counts = (0..<characterOrder).map { NGramCounts.characters(characters, order: $0 + 1) }
        if wordOrder > 0 {
            let words = Self.wordsWithPunctuationSplit(line)
            counts += (0..<wordOrder).map { NGramCounts.words(words, order: $0 + 1) }
        }
        return PreparedText(counts: counts)
    }

    /// The statistics of `hypothesis` against the best of `references` (non-empty).
    public func statistics(hypothesis: String, references: [PreparedText]) -> CHRFStatistics {
        let hypothesisCounts = prepare(hypothesis).counts
        var best = CHRFStatistics.zero(orders: characterOrder + wordOrder)
        var bestScore = -1.0
        for reference in references {
            var candidate = CHRFStatistics(orders: [])
            for (hypothesisOrder, referenceOrder) in zip(hypothesisCounts, reference.counts) {
                let hypothesisTotal = hypothesisOrder.values.reduce(0, +)
                candidate.orders.append(CHRFStatistics.OrderCounts(
                    // sacreBLEU counts no hypothesis n-grams where the reference has none.
                    hypothesis: referenceOrder.isEmpty ? 0 : hypothesisTotal,
                    reference: referenceOrder.values.reduce(0, +),
                    matches: NGramCounts.clippedMatches(hypothesisOrder, referenceOrder)))
            }
            let candidateScore = fScore(candidate)
            if candidateScore > bestScore {
                bestScore = candidateScore
                best = candidate
            }
        }
        return best
    }

    /// sacreBLEU's `_remove_punctuation`: words split at whitespace; a word longer than
    /// one code point loses a trailing ASCII punctuation mark, or else a leading one, as
    /// a word of its own (so `(hi)` gives `(hi` and `)`).
    static func wordsWithPunctuationSplit(_ line: CodePoints) -> [CodePoints] {
        var words: [CodePoints] = []
        for word in PythonText.split(line) {
            if word.count == 1 {
                words.append(word)
            } else if isASCIIPunctuation(word[word.count - 1]) {
                words.append(Array(word.dropLast()))
                words.append([word[word.count - 1]])
            } else if isASCIIPunctuation(word[0]) {
                words.append([word[0]])
                words.append(Array(word.dropFirst()))
            } else {
                words.append(word)
            }
        }
        return words
    }

    /// Python's `string.punctuation`: ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
    private static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    // MARK: - The formula

    /// sacreBLEU's `_compute_f_score`, 0–100.
    func fScore(_ statistics: CHRFStatistics) -> Double {
        let epsilon = 1e-16
        let factor = Double(beta * beta)
        var epsilonScore = 0.0
        var precisionSum = 0.0
        var recallSum = 0.0
        var effectiveOrder = 0
        for counts in statistics.orders {
            let precision = counts.hypothesis > 0 ? Double(counts.matches) / Double(counts.hypothesis) : epsilon
            let recall = counts.reference > 0 ? Double(counts.matches) / Double(counts.reference) : epsilon
            let denominator = factor * precision + recall
            epsilonScore += denominator > 0 ? (1 + factor) * precision * recall / denominator : epsilon
            if counts.hypothesis > 0 && counts.reference > 0 {
                precisionSum += precision
                recallSum += recall
                effectiveOrder += 1
            }
        }
        if epsilonSmoothing {
            return 100 * epsilonScore / Double(statistics.orders.count)
        }
        let averagePrecision = effectiveOrder == 0 ? 0 : precisionSum / Double(effectiveOrder)
        let averageRecall = effectiveOrder == 0 ? 0 : recallSum / Double(effectiveOrder)
        guard averagePrecision + averageRecall != 0 else { return 0 }
        var score = (1 + factor) * averagePrecision * averageRecall
        score /= factor * averagePrecision + averageRecall
        return 100 * score
    }
}

/// chrF's sufficient statistics for one segment or, summed, for a corpus: per order
/// (character orders first, then word orders), hypothesis, reference and matching
/// n-gram counts.
public struct CHRFStatistics: Sendable, Equatable {
    /// The counts of one n-gram order.
    public struct OrderCounts: Sendable, Equatable {
        /// Hypothesis n-grams (0 when the reference has none of this order).
        public var hypothesis: Int
        /// Reference n-grams.
        public var reference: Int
        /// Hypothesis n-grams matched in the reference, clipped to the reference count.
        public var matches: Int
    }

    /// One entry per order.
    public var orders: [OrderCounts]

    /// All-zero statistics for `orders` orders, the start of a sum.
    public static func zero(orders: Int) -> CHRFStatistics {
        CHRFStatistics(orders: Array(repeating: OrderCounts(hypothesis: 0, reference: 0, matches: 0), count: orders))
    }

    /// Order-by-order sum.
    public static func + (lhs: CHRFStatistics, rhs: CHRFStatistics) -> CHRFStatistics {
        precondition(lhs.orders.count == rhs.orders.count, "chrF statistics of different orders")
        return CHRFStatistics(orders: zip(lhs.orders, rhs.orders).map {
            OrderCounts(hypothesis: $0.hypothesis + $1.hypothesis, reference: $0.reference + $1.reference,
                        matches: $0.matches + $1.matches)
        })
    }
}

/// A chrF score on sacreBLEU's 0–100 scale.
public struct CHRFScore: Sendable, Equatable {
    /// chrF (or chrF++) on the 0–100 scale.
    public var score: Double
    /// Character n-gram order used.
    public var characterOrder: Int
    /// Word n-gram order used.
    public var wordOrder: Int
    /// β used.
    public var beta: Int

    /// sacreBLEU's name for the variant: `chrF2`, `chrF2++` (one `+` per word order).
    public var name: String { "chrF\(beta)" + String(repeating: "+", count: wordOrder) }
}
