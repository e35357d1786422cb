import GenRLModels
import GenRLRewards
import GenRLTensor

/// The Texygen benchmark's measures of a generator (Zhu et al., SIGIR 2018):
///
/// - `nll_oracle`: the oracle's mean per-token NLL of the generator's samples (synthetic
///   data only; `SyntheticOracle.negativeLogLikelihood(ofSamplesFrom:...)`);
/// - `nll_test`: the generator's mean per-token NLL of the held-out sequences (teacher
///   forcing; for text the end token counts as a token);
/// - `bleu_n`: Texygen's BLEU-n of generated lines against the first 500 held-out lines;
/// - `self_bleu_n`: Texygen's Self-BLEU-n of the first 500 generated lines
///   (`TexygenBLEU`: NLTK's sentence BLEU with smoothing method 1, 0–1 scale).
///
/// On oracle data, lines are token ids (exactly Texygen's tokens); on text, characters.
public struct GeneratorEvaluation {
    /// The data the generator is judged against.
    public let data: ExperimentData

    /// Measures against `data`'s held-out sequences (and its oracle, if any).
    public init(data: ExperimentData) { self.data = data }

    /// NLL-oracle over `samples` generator samples (nil without an oracle).
    public func nllOracle(_ sampler: LSTMSampler, samples: Int, generator: inout RandomGenerator) -> Double? {
        guard let oracle = data.oracle, samples > 0 else { return nil }
        sampler.refresh()
        return oracle.negativeLogLikelihood(ofSamplesFrom: sampler, sampleCount: samples, generator: &generator)
    }

    /// The generator's mean per-token NLL of the held-out sequences.
    public func nllTest(_ model: RecurrentLanguageModel) throws -> Double {
        let batches = try data.batches(data.test, batchSize: 256, seed: 0, shuffle: false).batches(epoch: 0)
        model.eval()
        defer { model.train() }
        return Scoring.perplexity(model: model, batches: batches).negativeLogLikelihood
    }

    /// `count` generated sequences in the discriminator's layout.
    public func samples(_ sampler: LSTMSampler, count: Int, generator: inout RandomGenerator) -> [[Int]] {
        sampler.refresh()
        let tokens = sampler.sample(count: count, startToken: data.startToken, length: data.sequenceLength,
                                    generator: &generator)
        let estimator = MonteCarloRewardEstimator(rolloutCount: 1, startToken: data.startToken, endToken: data.endToken)
        let plain = estimator.droppingStartColumn(tokens)
        return (0..<count).map { plain.row($0) }
    }

    /// BLEU-n of the first `hypothesisCount` of the `generated` sequences and Self-BLEU-n
    /// of the first 500, for each order of `orders`.
    public func bleu(generated: [[Int]], hypothesisCount: Int, orders: [Int]) -> [String: Double] {
        let lines = generated.map(data.contentTokens)
        let references = data.test.map(data.contentTokens)
        var result: [String: Double] = [:]
        for order in orders {
            let bleu = TexygenBLEU(maxOrder: order)
            result["bleu_\(order)"] = bleu.score(hypotheses: Array(lines.prefix(hypothesisCount)), references: references)
            result["self_bleu_\(order)"] = bleu.selfScore(samples: lines)
        }
        return result
    }
}
