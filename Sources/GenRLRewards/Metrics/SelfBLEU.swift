/// Self-BLEU (Zhu et al., 2018, Texygen): how much a set of generated samples resemble
/// each other. Each sample is scored as a hypothesis with all the *other* samples as its
/// references, and Self-BLEU is the mean of those scores. Higher means less diverse.
///
///     SelfBLEU = (1/K) Σ_i sentenceBLEU(sample_i, {sample_j : j ≠ i})
///
/// **Which BLEU.** Texygen scores each sample with NLTK's `sentence_bleu` (NLTK word
/// tokenization, uniform weights up to order 2…5, smoothing method 1, 0–1 scale). GenRL
/// uses sacreBLEU's sentence BLEU instead — by default `BLEU()`'s `sentenceScore`: 13a
/// tokenization, `exp` smoothing, effective order, 0–100 scale — so that the diversity
/// figure is computed with the same standardized, reproducible BLEU as the BLEU reward
/// and `genrl metrics`, and checked against sacreBLEU itself. Texygen's "Self-BLEU-k"
/// corresponds to `SelfBLEU(bleu: BLEU(maxNgramOrder: k))`; expect different numbers
/// from Texygen's (other tokenizer and smoothing), the same ranking in practice.
///
/// Each sample's n-grams are counted once, and for every n-gram the two largest counts
/// among the samples are kept, so the "maximum count over the other samples" needs no
/// pass over the other samples: the cost is linear in the total text, plus K² integer
/// comparisons for the closest reference lengths.
public struct SelfBLEU: Sendable {
    /// The BLEU used per sample; its `sentenceScore` settings apply (effective order
    /// follows `bleu.effectiveOrder.applies(sentenceLevel: true)`).
    public var bleu: BLEU

    /// Self-BLEU with `bleu` (default: sacreBLEU's sentence BLEU).
    public init(bleu: BLEU = BLEU()) {
        self.bleu = bleu
    }

    /// Self-BLEU of `samples` (at least 2).
    ///
    /// - Throws: `MetricError.tooFewSamples` for fewer than 2 samples.
    public func score(samples: [String]) throws(MetricError) -> SelfBLEUScore {
        guard samples.count >= 2 else { throw .tooFewSamples(count: samples.count, minimum: 2) }
        let order = bleu.maxNgramOrder
        let tokens = samples.map { bleu.tokens($0) }
        let lengths = tokens.map(\.count)
        let counts = tokens.map { sampleTokens in
            (1...order).map { NGramCounts.words(sampleTokens, order: $0) }
        }

        // Per order and n-gram: the largest count, the sample holding it, the runner-up.
        var leaders = Array(repeating: [NGramKey: Leader](), count: order)
        for (sample, sampleCounts) in counts.enumerated() {
            for n in 0..<order {
                for (key, count) in sampleCounts[n] {
                    leaders[n][key, default: Leader()].record(count, from: sample)
                }
            }
        }

        var perSample: [Double] = []
        perSample.reserveCapacity(samples.count)
        for sample in samples.indices {
            var matches = Array(repeating: 0, count: order)
            var totals = Array(repeating: 0, count: order)
            for n in 0..<order {
                for (key, count) in counts[sample][n] {
                    totals[n] += count
                    let others = leaders[n][key]!.largest(excluding: sample)
                    matches[n] += min(count, others)
                }
            }
            var otherLengths = lengths
            otherLengths.remove(at: sample)
            let statistics = BLEUStatistics(
                hypothesisLength: lengths[sample],
                referenceLength: BLEU.closestLength(to: lengths[sample], among: otherLengths),
                matches: matches, totals: totals)
            perSample.append(bleu.score(statistics, sentenceLevel: true).score)
        }
        return SelfBLEUScore(score: perSample.reduce(0, +) / Double(perSample.count), perSample: perSample)
    }

    /// The two largest counts of one n-gram across samples.
    private struct Leader {
        var largest = 0
        var holder = -1
        var runnerUp = 0

        mutating func record(_ count: Int, from sample: Int) {
            if count > largest {
                runnerUp = largest
                largest = count
                holder = sample
            } else if count > runnerUp {
                runnerUp = count
            }
        }

        /// The largest count among samples other than `sample`.
        func largest(excluding sample: Int) -> Int {
            sample == holder ? runnerUp : largest
        }
    }
}

/// A Self-BLEU result on the BLEU's 0–100 scale.
public struct SelfBLEUScore: Sendable, Equatable {
    /// The mean of `perSample`.
    public var score: Double
    /// Each sample's BLEU against the other samples, in input order (usable as a
    /// per-sample diversity penalty).
    public var perSample: [Double]

    /// A result with the given fields (`score` should be the mean of `perSample`).
    public init(score: Double, perSample: [Double]) {
        self.score = score
        self.perSample = perSample
    }
}
