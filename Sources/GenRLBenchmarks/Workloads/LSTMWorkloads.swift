import GenRLModels
import GenRLNN
import GenRLTensor

/// SeqGAN's generator (vocabulary 5000, embedding 32, LSTM 32) at batch 64, length 20.
enum LSTMWorkloads {
    static func generator(seed: UInt64) -> RecurrentLanguageModel {
        var generator = RandomGenerator(seed: seed)
        return RecurrentLanguageModel(RecurrentLanguageModelConfiguration(vocabularySize: 5000, embeddingSize: 32, hiddenSize: 32),
                                      generator: &generator)
    }

    /// `lstm-mle`: forward, cross-entropy, backward, gradient-norm clip 5, Adam.
    static let maximumLikelihoodStep = BenchmarkWorkload(
        name: "lstm-mle", summary: "one MLE step of SeqGAN's generator: forward, cross-entropy, backward, clip 5, Adam"
    ) {
        let model = generator(seed: 1)
        let optimizer = Adam(learningRate: 1e-2)
        var random = RandomGenerator(seed: 2)
        let tokens = IntTensor.randomIntegers([64, 20], below: 5000, using: &random)
        let (inputs, targets) = (tokens.columns(0..<19), tokens.columns(1..<20))
        return {
            let (_, gradients) = valueAndGradients(of: model) { model in
                Tensor.crossEntropy(logits: model(inputs).logits, targets: targets)
            }
            optimizer.update(model, gradients: gradients.clippedByGlobalNorm(5).gradients)
        }
    }

    /// `lstm-sample`: sample 64 sequences of 20 tokens (a start token and 19 draws).
    static let sampling = BenchmarkWorkload(name: "lstm-sample", summary: "sample 64 sequences of 20 tokens from SeqGAN's generator") {
        let model = generator(seed: 3)
        var random = RandomGenerator(seed: 4)
        let configuration = DecodingConfiguration(maximumNewTokens: 19, stopAtEndToken: false)
        let prompts = Array(repeating: [0], count: 64)
        return { _ = Generation.sample(model: model, prompts: prompts, configuration: configuration, generator: &random) }
    }
}

extension IntTensor {
    /// Columns `range` of a [B, T] tensor.
    func columns(_ range: Range<Int>) -> IntTensor {
        let width = shape[1]
        return IntTensor((0..<shape[0]).flatMap { row in scalars[(row * width + range.lowerBound)..<(row * width + range.upperBound)] },
                         shape: [shape[0], range.count])
    }
}
