import GenRLModels
import GenRLNN
import GenRLTensor

/// SeqGAN's rollout policy G_β: a copy of the generator that completes prefixes for the
/// Monte Carlo rewards and follows the generator with a delay (LantaoYu/SeqGAN
/// `rollout.py`, `ROLLOUT(generator, 0.8)`).
///
/// It starts as an exact copy of the generator (after MLE pretraining). Each call of
/// `update()` — once per adversarial round, after the generator's g-steps and before the
/// discriminator's d-steps, as `rollout.update_params()` in `sequence_gan.py` — moves it
/// toward the generator's current parameters θ:
///
///     θ_β ← r·θ_β + (1 − r)·θ       for the LSTM and output layer (r = `updateRate`, 0.8)
///     E_β ← E                        for the token embeddings (copied outright)
///
/// which is `rollout.py`'s `update_recurrent_unit`, `update_output_unit` and
/// `self.g_embeddings = tf.identity(self.lstm.g_embeddings)`. r = 0 makes the rollout
/// policy the generator itself, as the paper describes it (G_β = G_θ). Note that in the
/// reference code the rollout graph is built once in `ROLLOUT.__init__` from
/// `tf.identity` reads of the generator's variables, and `update_params` only rebinds
/// Python attributes that graph never reads: the TensorFlow program as run therefore
/// rolls out with the current generator, whatever the rate. GenRL applies the delay as
/// written; set `updateRate` to 0 to reproduce what the reference computes.
public final class RolloutNetwork {
    /// The rate r of the delayed update (0.8 in LantaoYu/SeqGAN).
    public let updateRate: Float
    /// The generator being followed.
    public let generatorModel: RecurrentLanguageModel
    /// The delayed copy (never trained directly).
    public let model: RecurrentLanguageModel
    /// Fast completion sampler over `model`, refreshed by `update()`.
    public let sampler: LSTMSampler

    /// A rollout network starting as an exact copy of `generator`.
    public init(tracking generator: RecurrentLanguageModel, updateRate: Float = 0.8) {
        precondition(updateRate >= 0 && updateRate <= 1, "RolloutNetwork: updateRate \(updateRate) must be in [0, 1]")
        self.updateRate = updateRate
        generatorModel = generator
        model = generator.copy()
        model.freeze()
        model.eval()
        sampler = LSTMSampler(model)
    }

    /// θ_β ← r·θ_β + (1 − r)·θ (embeddings copied), then refreshes the sampler.
    public func update() {
        let current = generatorModel.parameterDictionary()
        for (name, parameter) in model.namedParameters() {
            guard let source = current[name] else { continue }
            if name.hasPrefix("embedding.") {
                parameter.assign(source)
                continue
            }
            let rate = updateRate
            parameter.withMutableScalars { target in
                let values = source.storage.pointer
                for i in 0..<target.count { target[i] = rate * target[i] + (1 - rate) * values[i] }
            }
        }
        sampler.refresh()
    }

    /// Makes the rollout network an exact copy of the generator again (after the
    /// generator was reloaded, for instance).
    public func synchronize() {
        model.copyParameters(from: generatorModel)
        sampler.refresh()
    }
}
