import Foundation
import GenRLTensor

extension TokenBatch {
    /// Teacher-forcing tensors: inputs = tokens[:, :-1], targets = tokens[:, 1:], and the
    /// mask of the targets (1 on real tokens), each [batchSize, length − 1].
    public var teacherForcing: (inputs: IntTensor, targets: IntTensor, mask: Tensor) {
        var inputs: [Int32] = [], targets: [Int32] = [], mask: [Float] = []
        let width = length - 1
        inputs.reserveCapacity(batchSize * width)
        targets.reserveCapacity(batchSize * width)
        mask.reserveCapacity(batchSize * width)
        for row in 0..<batchSize {
            let start = row * length
            inputs += tokens[start..<(start + width)]
            targets += tokens[(start + 1)..<(start + length)]
            mask += self.mask[(start + 1)..<(start + length)]
        }
        return (IntTensor(inputs, shape: [batchSize, width]), IntTensor(targets, shape: [batchSize, width]),
                Tensor(mask, shape: [batchSize, width]))
    }
}

/// How likely a model finds given sequences.
public enum Scoring {
    /// The model's mean negative log-likelihood per predicted token of `batch` (the
    /// masked cross-entropy), as a differentiable scalar — the MLE training loss.
    public static func meanNegativeLogLikelihood(model: any LanguageModel, batch: TokenBatch) -> Tensor {
        let (inputs, targets, mask) = batch.teacherForcing
        return model.meanNegativeLogLikelihood(inputs: inputs, targets: targets, weights: mask)
    }

    /// log p(sequence) for each row of `batch`: Σ over the tokens after the first of
    /// log p(token | prefix), with the number of tokens scored.
    public static func logLikelihoods(model: any LanguageModel, batch: TokenBatch) -> (logLikelihoods: [Double], tokenCounts: [Int]) {
        withNoGrad {
            let (inputs, targets, mask) = batch.teacherForcing
            let perToken = Tensor.selectedLogProbabilities(logits: model(inputs).logits, targets: targets) * mask
            let sums = perToken.sum(axis: 1).scalars.map(Double.init)
            let counts = mask.sum(axis: 1).scalars.map { Int($0) }
            return (sums, counts)
        }
    }

    /// Mean negative log-likelihood per token (nats) over all `batches`, and its
    /// perplexity exp(NLL).
    public static func perplexity(model: any LanguageModel, batches: [TokenBatch]) -> (negativeLogLikelihood: Double, perplexity: Double) {
        var total = 0.0, tokens = 0
        for batch in batches {
            let (sums, counts) = logLikelihoods(model: model, batch: batch)
            total -= sums.reduce(0, +)
            tokens += counts.reduce(0, +)
        }
        let nll = total / Double(max(tokens, 1))
        return (nll, exp(nll))
    }

    /// The unigram baseline: NLL per token of `batches` under the token frequencies of
    /// `training` (add-one smoothed over `vocabularySize`), the number a language model
    /// must beat to have learned anything beyond letter frequencies.
    public static func unigramPerplexity(training: [TokenBatch], evaluation: [TokenBatch], vocabularySize: Int)
        -> (negativeLogLikelihood: Double, perplexity: Double) {
        var counts = [Double](repeating: 1, count: vocabularySize)
        for batch in training {
            for row in 0..<batch.batchSize { for token in batch.row(row).dropFirst() { counts[Int(token)] += 1 } }
        }
        let total = counts.reduce(0, +)
        var nll = 0.0, n = 0
        for batch in evaluation {
            for row in 0..<batch.batchSize {
                for token in batch.row(row).dropFirst() { nll -= log(counts[Int(token)] / total); n += 1 }
            }
        }
        let mean = nll / Double(max(n, 1))
        return (mean, exp(mean))
    }
}
