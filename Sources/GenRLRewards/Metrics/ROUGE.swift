/// A ROUGE variant (Lin, 2004), named as rouge-score names it.
public enum ROUGEType: Hashable, Sendable, CustomStringConvertible {
    /// ROUGE-N: overlap of n-grams of `n` tokens (`rouge1`, `rouge2`, …).
    case ngram(Int)
    /// ROUGE-L: the longest common subsequence of the two token sequences (`rougeL`).
    case longestCommonSubsequence
    /// ROUGE-Lsum: summary-level LCS over newline-separated sentences (`rougeLsum`).
    case summaryLongestCommonSubsequence

    /// `rouge1`.
    public static let rouge1 = ROUGEType.ngram(1)
    /// `rouge2`.
    public static let rouge2 = ROUGEType.ngram(2)
    /// `rougeL`.
    public static let rougeL = ROUGEType.longestCommonSubsequence
    /// `rougeLsum`.
    public static let rougeLsum = ROUGEType.summaryLongestCommonSubsequence

    /// The type rouge-score calls `name`: `rouge1` … `rouge9`, `rougeL` or `rougeLsum`.
    ///
    /// - Throws: `MetricError.unknownROUGEType` for any other name (rouge-score also
    ///   rejects `rouge0`).
    public init(name: String) throws(MetricError) {
        switch name {
        case "rougeL": self = .longestCommonSubsequence
        case "rougeLsum": self = .summaryLongestCommonSubsequence
        default:
            guard name.hasPrefix("rouge"), name.count == 6, let n = Int(name.dropFirst(5)), n >= 1 else {
                throw .unknownROUGEType(name)
            }
            self = .ngram(n)
        }
    }

    /// rouge-score's name for the type.
    public var description: String {
        switch self {
        case let .ngram(n): return "rouge\(n)"
        case .longestCommonSubsequence: return "rougeL"
        case .summaryLongestCommonSubsequence: return "rougeLsum"
        }
    }
}

/// Precision, recall and F1 of one ROUGE type, on rouge-score's 0–1 scale.
public struct ROUGEScore: Sendable, Equatable {
    /// Matched units over prediction units.
    public var precision: Double
    /// Matched units over target units.
    public var recall: Double
    /// `2PR / (P + R)`, or 0 when `P + R = 0`.
    public var fmeasure: Double

    /// A score from precision and recall, with F1 computed as rouge-score does.
    public init(precision: Double, recall: Double) {
        self.precision = precision
        self.recall = recall
        self.fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }

    /// All zero.
    public static let zero = ROUGEScore(precision: 0, recall: 0)
}

/// ROUGE as Google's rouge-score (`rouge_scorer.RougeScorer`, version 0.1.2) computes it.
///
/// The default tokenizer lowercases the text (Python `str.lower()`), keeps only the
/// maximal runs of ASCII letters and digits as tokens (everything else, accented and
/// non-Latin letters included, separates tokens), and, with `useStemmer`, replaces each
/// token longer than 3 characters by its Porter stem (NLTK's stemmer). Then, with `m`
/// matched units, `P = m / prediction units` and `R = m / target units`:
/// - ROUGE-N: `m = Σ_g min(count_target(g), count_prediction(g))` over n-grams, units
///   are n-grams (the denominators at least 1);
/// - ROUGE-L: `m` is the LCS length of the token sequences, units are tokens (all
///   zero if either side has no tokens);
/// - ROUGE-Lsum: both texts are split at `\n` into sentences (empty ones dropped); for
///   each target sentence the union of its LCS token positions with every prediction
///   sentence is taken, and each token of that union counts once while unused copies of
///   it remain on both sides (ROUGE-1.5.5's summary-level LCS).
public struct ROUGE: Sendable {
    /// The ROUGE types to compute.
    public var types: [ROUGEType]
    /// Stem tokens longer than 3 characters with the Porter stemmer (default false).
    public var useStemmer: Bool

    /// A scorer for `types` (rouge-score's `RougeScorer(rouge_types, use_stemmer)`).
    public init(types: [ROUGEType] = [.rouge1, .rouge2, .rougeL], useStemmer: Bool = false) {
        for case let .ngram(n) in types { precondition(n >= 1, "ROUGE-N needs n ≥ 1, got \(n)") }
        self.types = types
        self.useStemmer = useStemmer
    }

    /// rouge-score's default tokenization of `text`.
    public func tokenize(_ text: String) -> [String] {
        let lowered = PythonText.lowercased(PythonText.codePoints(text))
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        func finishToken() {
            guard !current.isEmpty else { return }
            let token = String(current)
            tokens.append(useStemmer && current.count > 3 ? Self.stemmer.stem(token) : token)
            current = String.UnicodeScalarView()
        }
        for scalar in lowered {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.append(scalar)
            } else {
                finishToken()
            }
        }
        finishToken()
        // rouge-score drops any token that is not [a-z0-9]+ after stemming.
        return tokens.filter { !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) } }
    }

    private static let stemmer = PorterStemmer()

    /// The scores of `prediction` against one `target` (rouge-score `score(target,
    /// prediction)`: note the order).
    public func score(target: String, prediction: String) -> [ROUGEType: ROUGEScore] {
        let needsTokens = types.contains { $0 != .summaryLongestCommonSubsequence }
        let targetTokens = needsTokens ? tokenize(target) : []
        let predictionTokens = needsTokens ? tokenize(prediction) : []
        var result: [ROUGEType: ROUGEScore] = [:]
        for type in types {
            switch type {
            case let .ngram(n):
                result[type] = Self.ngramScore(target: targetTokens, prediction: predictionTokens, n: n)
            case .longestCommonSubsequence:
                result[type] = LongestCommonSubsequence.score(target: targetTokens, prediction: predictionTokens)
            case .summaryLongestCommonSubsequence:
                result[type] = LongestCommonSubsequence.summaryScore(
                    target: sentences(target).map(tokenize), prediction: sentences(prediction).map(tokenize))
            }
        }
        return result
    }

    /// The scores against the best of several targets, per type the target with the
    /// highest F1 (the first on a tie), as rouge-score's `score_multi`.
    ///
    /// - Throws: `MetricError.noReferences` if `targets` is empty.
    public func scoreMulti(targets: [String], prediction: String) throws(MetricError) -> [ROUGEType: ROUGEScore] {
        guard !targets.isEmpty else { throw .noReferences(hypothesisIndex: 0) }
        let all = targets.map { score(target: $0, prediction: prediction) }
        var best: [ROUGEType: ROUGEScore] = [:]
        for type in types {
            var chosen = all[0][type]!
            for scores in all.dropFirst() where scores[type]!.fmeasure > chosen.fmeasure {
                chosen = scores[type]!
            }
            best[type] = chosen
        }
        return best
    }

    /// rougeLsum's sentences: the text split at "\n", empty pieces dropped.
    private func sentences(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) }
    }

    /// ROUGE-N from token sequences.
    static func ngramScore(target: [String], prediction: [String], n: Int) -> ROUGEScore {
        let targetCounts = ngramCounts(target, n: n)
        let predictionCounts = ngramCounts(prediction, n: n)
        var overlap = 0
        for (gram, count) in targetCounts { overlap += min(count, predictionCounts[gram] ?? 0) }
        let targetTotal = targetCounts.values.reduce(0, +)
        let predictionTotal = predictionCounts.values.reduce(0, +)
        return ROUGEScore(precision: Double(overlap) / Double(max(predictionTotal, 1)),
                          recall: Double(overlap) / Double(max(targetTotal, 1)))
    }

    private static func ngramCounts(_ tokens: [String], n: Int) -> [ArraySlice<String>: Int] {
        var counts: [ArraySlice<String>: Int] = [:]
        guard tokens.count >= n else { return counts }
        for start in 0...(tokens.count - n) { counts[tokens[start..<(start + n)], default: 0] += 1 }
        return counts
    }
}
