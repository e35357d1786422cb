import Foundation

/// BLEU and Self-BLEU exactly as Texygen computes them (Zhu et al., SIGIR 2018,
/// geek-ai/Texygen `utils/metrics/Bleu.py` and `SelfBleu.py`): the mean over hypotheses
/// of NLTK's `sentence_bleu(references, hypothesis, weights, SmoothingFunction().method1)`.
///
/// For one hypothesis h against references R with uniform weights 1/N up to order N:
///
///     pₙ = Σ_g min(count_h(g), max_{r∈R} count_r(g)) / max(1, Σ_g count_h(g))   (g: n-grams of h)
///     pₙ ← ε / max(1, Σ_g count_h(g))   when the numerator is 0 (method 1, ε = 0.1)
///     BP = 1 if |h| > r*, 0 if |h| = 0, else exp(1 − r*/|h|)
///          (r*: the reference length closest to |h|, the shorter on ties)
///     BLEU = BP · exp(Σₙ (1/N) log pₙ),  and 0 when no unigram matches at all
///
/// on a 0–1 scale. Texygen's "fast" mode, which its reported figures use, keeps the first
/// 500 lines: BLEU scores every generated line against the first 500 test lines; Self-BLEU
/// scores each of the first 500 generated lines against the other 499. Texygen reports
/// orders N = 2…5 (its default N is 3).
///
/// Tokens are integers here: Texygen splits lines with `nltk.word_tokenize`, which on the
/// synthetic oracle's lines of space-separated ids gives exactly those ids, so on oracle
/// data these are Texygen's numbers. For text, the caller chooses the tokens (words,
/// characters) and interns them with `tokenIDs(_:)`; this type does not reproduce NLTK's
/// word tokenizer. For a standardized BLEU on text use `BLEU` (sacreBLEU) and `SelfBLEU`.
public struct TexygenBLEU: Sendable {
    /// N, the highest n-gram order (Texygen's `gram`; default 3).
    public var maxOrder: Int
    /// ε of NLTK's smoothing method 1 (0.1).
    public var epsilon: Double
    /// Lines kept by Texygen's fast mode (500).
    public var sampleLimit: Int

    /// A scorer with Texygen's settings unless given: N = 3, ε = 0.1, 500 lines.
    ///
    /// - Precondition: `maxOrder` ≥ 1.
    public init(maxOrder: Int = 3, epsilon: Double = 0.1, sampleLimit: Int = 500) {
        precondition(maxOrder >= 1, "TexygenBLEU: maxOrder must be at least 1, got \(maxOrder)")
        self.maxOrder = maxOrder
        self.epsilon = epsilon
        self.sampleLimit = sampleLimit
    }

    /// References with, for every order, the largest count of each n-gram among them.
    public struct PreparedReferences: Sendable {
        let maximumCounts: [[[Int]: Int]]
        let lengths: [Int]
        /// Number of references.
        public var count: Int { lengths.count }
    }

    /// Counts the n-grams of `references` once for many hypotheses.
    public func prepare(references: [[Int]]) -> PreparedReferences {
        var maximum = Array(repeating: [[Int]: Int](), count: maxOrder)
        for reference in references {
            for n in 1...maxOrder {
                for (gram, count) in Self.counts(reference, order: n) where count > maximum[n - 1][gram, default: 0] {
                    maximum[n - 1][gram] = count
                }
            }
        }
        return PreparedReferences(maximumCounts: maximum, lengths: references.map(\.count))
    }

    /// NLTK's `sentence_bleu` of `hypothesis` against `references` with method-1 smoothing.
    public func sentenceScore(hypothesis: [Int], references: PreparedReferences) -> Double {
        sentenceScore(hypothesis: hypothesis, referenceLengths: references.lengths) { n, gram in
            references.maximumCounts[n - 1][gram] ?? 0
        }
    }

    /// Texygen's BLEU: the mean sentence score of every hypothesis against the first
    /// `sampleLimit` references.
    public func score(hypotheses: [[Int]], references: [[Int]]) -> Double {
        guard !hypotheses.isEmpty else { return 0 }
        let prepared = prepare(references: Array(references.prefix(sampleLimit)))
        return hypotheses.reduce(0) { $0 + sentenceScore(hypothesis: $1, references: prepared) } / Double(hypotheses.count)
    }

    /// Texygen's Self-BLEU: the first `sampleLimit` samples, each scored against the
    /// others among them, averaged.
    public func selfScore(samples: [[Int]]) -> Double {
        let kept = Array(samples.prefix(sampleLimit))
        guard kept.count >= 2 else { return 0 }
        // Per order and n-gram: the largest count, the sample holding it, the runner-up.
        var leaders = Array(repeating: [[Int]: (largest: Int, holder: Int, runnerUp: Int)](), count: maxOrder)
        for (index, sample) in kept.enumerated() {
            for n in 1...maxOrder {
                for (gram, count) in Self.counts(sample, order: n) {
                    var leader = leaders[n - 1][gram] ?? (0, -1, 0)
                    if count > leader.largest {
                        leader = (count, index, leader.largest)
                    } else if count > leader.runnerUp {
                        leader.runnerUp = count
                    }
                    leaders[n - 1][gram] = leader
                }
            }
        }
        let lengths = kept.map(\.count)
        var total = 0.0
        for (index, sample) in kept.enumerated() {
            var others = lengths
            others.remove(at: index)
            total += sentenceScore(hypothesis: sample, referenceLengths: others) { n, gram in
                guard let leader = leaders[n - 1][gram] else { return 0 }
                return leader.holder == index ? leader.runnerUp : leader.largest
            }
        }
        return total / Double(kept.count)
    }

    /// The sentence score given the references' lengths and a lookup of the clipping
    /// count (largest count among the references) of each n-gram.
    private func sentenceScore(hypothesis: [Int], referenceLengths: [Int], clip: (Int, [Int]) -> Int) -> Double {
        var logSum = 0.0
        for n in 1...maxOrder {
            let counts = Self.counts(hypothesis, order: n)
            var matches = 0, total = 0
            for (gram, count) in counts {
                total += count
                matches += Swift.min(count, clip(n, gram))
            }
            let denominator = Double(Swift.max(1, total))
            if n == 1 && matches == 0 { return 0 }
            let precision = matches == 0 ? epsilon / denominator : Double(matches) / denominator
            logSum += log(precision) / Double(maxOrder)
        }
        return Self.brevityPenalty(hypothesisLength: hypothesis.count, referenceLengths: referenceLengths) * exp(logSum)
    }

    /// NLTK's brevity penalty with the closest reference length (the shorter on ties).
    static func brevityPenalty(hypothesisLength: Int, referenceLengths: [Int]) -> Double {
        guard let closest = referenceLengths.min(by: {
            (abs($0 - hypothesisLength), $0) < (abs($1 - hypothesisLength), $1)
        }) else { return 0 }
        if hypothesisLength > closest { return 1 }
        if hypothesisLength == 0 { return 0 }
        return exp(1 - Double(closest) / Double(hypothesisLength))
    }

    /// The n-grams of `tokens` with their counts (none when shorter than n).
    static func counts(_ tokens: [Int], order n: Int) -> [[Int]: Int] {
        var counts: [[Int]: Int] = [:]
        guard tokens.count >= n else { return counts }
        for start in 0...(tokens.count - n) { counts[Array(tokens[start..<(start + n)]), default: 0] += 1 }
        return counts
    }

    /// Interns string tokens as integers (the same string, the same id), for scoring text
    /// split into words or characters. Intern hypotheses and references in one call so
    /// that they share the ids.
    public static func tokenIDs(_ lines: [[String]]) -> [[Int]] {
        var ids: [String: Int] = [:]
        return lines.map { line in line.map { token in
            if let id = ids[token] { return id }
            ids[token] = ids.count
            return ids.count - 1
        } }
    }
}
