import GenRLModels
import GenRLNN
import GenRLRL
import GenRLTensor

/// `seqgan-rollout`: SeqGAN's per-token rewards for one batch, through the code the
/// experiments use (`MonteCarloRewardEstimator` with `LSTMSampler` completions and the
/// CNN discriminator's prefix sharing): for each prefix length 1–19, 16 completions of
/// all 64 sequences (one batch of 1,024), each scored by the discriminator's softmax
/// probability of "real", plus the discriminator on the 64 full sequences. Generator:
/// vocabulary 5000, embedding 32, LSTM 32; discriminator: SeqGAN's (embedding 64, widths
/// 1–10, 15, 20), evaluation mode. The one difference from the PyTorch twin: GenRL's
/// generator reads a start token before each sequence (the oracle's convention), so a
/// prefix of k tokens is k + 1 inputs.
enum SeqGANRolloutWorkload {
    static let workload = BenchmarkWorkload(
        name: "seqgan-rollout",
        summary: "SeqGAN's Monte Carlo rewards for 64 sequences of 20: 16 completions per prefix, CNN discriminator"
    ) {
        let model = LSTMWorkloads.generator(seed: 5)
        var random = RandomGenerator(seed: 6)
        let discriminator = try! CNNDiscriminator(CNNDiscriminatorConfiguration(vocabularySize: 5000, sequenceLength: 20),
                                                  generator: &random)
        discriminator.eval()
        let sequences = (0..<64).map { _ in (0..<20).map { _ in random.nextInt(below: 5000) } }
        let sampler = LSTMSampler(model)
        let scorer = DiscriminatorScorer(discriminator)
        let estimator = MonteCarloRewardEstimator(rolloutCount: 16, startToken: 0)
        return { _ = try! estimator.actionValues(of: sequences, rollout: sampler, scorer: scorer, generator: &random) }
    }
}
