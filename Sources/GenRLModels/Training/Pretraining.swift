import GenRLNN
import GenRLTensor

/// Settings of maximum-likelihood pretraining.
public struct PretrainingConfiguration: Codable, Sendable, Equatable {
    /// Passes over the training set (at most; early stopping may end sooner).
    public var epochs = 10
    /// Sequences per batch (SeqGAN: 64).
    public var batchSize = 64
    /// Peak learning rate of Adam (SeqGAN's generator: 0.01).
    public var learningRate: Float = 1e-3
    /// Linear warm-up steps before cosine decay to `minimumLearningRate` (0: constant rate).
    public var warmupSteps = 0
    /// Cosine-decay the learning rate to this value over the run (nil: constant after warm-up).
    public var minimumLearningRate: Float? = nil
    /// Gradient-norm clip (SeqGAN: 5).
    public var maxGradientNorm: Float? = 5
    /// Evaluate on the validation set every this many steps (0: at the end of each epoch).
    public var validationInterval = 0
    /// Stop after this many evaluations without a better validation loss (nil: never).
    public var earlyStoppingPatience: Int? = 3
    /// Seed of the batch order, for the caller that builds the `TokenBatches` (the
    /// `Pretrainer` itself takes its batches ready-made and does not read it).
    public var seed: UInt64 = 0

    public init() {}
}

/// Where a pretraining run is: everything besides the model and optimizer that a
/// resumed run needs to continue exactly.
public struct PretrainingState: Codable, Sendable, Equatable {
    /// Optimizer steps taken.
    public var step = 0
    /// The epoch being trained and the next batch in it.
    public var epoch = 0
    /// The next batch's index within `epoch`.
    public var batchInEpoch = 0
    /// Best validation NLL so far and the step it was reached at.
    public var bestValidationLoss: Double? = nil
    /// The step of `bestValidationLoss`.
    public var bestStep: Int? = nil
    /// Evaluations since the best one.
    public var evaluationsWithoutImprovement = 0
    /// Whether early stopping ended the run.
    public var stoppedEarly = false

    public init() {}
}

/// Maximum-likelihood training of a language model on token batches, with validation,
/// a learning-rate schedule, early stopping on the validation loss, and a hook to save
/// the best model. Resumable: `state` plus the model's and optimizer's tensors are all
/// that a resumed run needs.
public final class Pretrainer {
    /// The model being trained.
    public let model: any LanguageModel
    /// Updates the model's parameters; its learning rate is set every step.
    public let optimizer: any Optimizer
    /// The training batches; epoch e is read in the order `training` draws for e.
    public let training: TokenBatches
    /// The validation batches (empty: no validation, no early stopping).
    public let validation: [TokenBatch]
    /// The settings.
    public let configuration: PretrainingConfiguration
    /// Where the run is; set it to resume.
    public var state = PretrainingState()

    /// Called after each step with (step, metrics): `train/loss`, `train/learning_rate`,
    /// `gradients/norm`, and after evaluations `validation/loss`, `validation/perplexity`.
    public var onStep: ((Int, [String: Double]) throws -> Void)?
    /// Called when the validation loss improves, to save the best model.
    public var onImprovement: ((Int, Double) throws -> Void)?

    /// A run at step 0 of `model` on `training`, validated on `validation`.
    public init(model: any LanguageModel, optimizer: any Optimizer, training: TokenBatches, validation: [TokenBatch],
                configuration: PretrainingConfiguration) {
        self.model = model
        self.optimizer = optimizer
        self.training = training
        self.validation = validation
        self.configuration = configuration
    }

    /// Total steps of the run if it is not stopped early.
    public var totalSteps: Int { configuration.epochs * training.batchesPerEpoch }

    /// The learning rate at `step`: linear warm-up, then constant or cosine decay.
    public func learningRate(atStep step: Int) -> Float {
        let peak = configuration.learningRate
        if step < configuration.warmupSteps { return peak * Float(step + 1) / Float(configuration.warmupSteps) }
        guard let minimum = configuration.minimumLearningRate else { return peak }
        return CosineWarmupDecaySchedule(peak: peak, warmupSteps: configuration.warmupSteps, totalSteps: totalSteps,
                                         minimum: minimum).learningRate(atStep: step)
    }

    /// One optimizer step on the next training batch; returns the step's metrics.
    public func trainStep() -> [String: Double] {
        let batch = training.batch(state.batchInEpoch, epoch: state.epoch)
        model.train()
        let (loss, gradients) = valueAndGradients(of: model) { model in
            Scoring.meanNegativeLogLikelihood(model: model, batch: batch)
        }
        let (scale, norm) = configuration.maxGradientNorm.map { gradients.clippingFactor($0) } ?? (1, gradients.globalNorm)
        let rate = learningRate(atStep: state.step)
        optimizer.learningRate = rate
        optimizer.update(model, gradients: gradients, scale: scale)
        state.step += 1
        state.batchInEpoch += 1
        if state.batchInEpoch == training.batchesPerEpoch {
            state.batchInEpoch = 0
            state.epoch += 1
        }
        return ["train/loss": Double(loss.item), "train/learning_rate": Double(rate), "gradients/norm": Double(norm),
                "train/epoch": Double(state.epoch)]
    }

    /// Validation NLL per token and perplexity (evaluation mode, no gradients).
    public func evaluate() -> (loss: Double, perplexity: Double) {
        model.eval()
        defer { model.train() }
        let (nll, perplexity) = Scoring.perplexity(model: model, batches: validation)
        return (nll, perplexity)
    }

    /// Trains until the epochs are done or early stopping ends the run.
    public func run() throws {
        while state.step < totalSteps && !state.stoppedEarly {
            var metrics = trainStep()
            let interval = configuration.validationInterval
            let evaluateNow = !validation.isEmpty
                && (interval > 0 ? state.step % interval == 0 : state.batchInEpoch == 0)
            if evaluateNow {
                let (loss, perplexity) = evaluate()
                metrics["validation/loss"] = loss
                metrics["validation/perplexity"] = perplexity
                if state.bestValidationLoss.map({ loss < $0 }) ?? true {
                    state.bestValidationLoss = loss
                    state.bestStep = state.step
                    state.evaluationsWithoutImprovement = 0
                    try onImprovement?(state.step, loss)
                } else {
                    state.evaluationsWithoutImprovement += 1
                    if let patience = configuration.earlyStoppingPatience, state.evaluationsWithoutImprovement >= patience {
                        state.stoppedEarly = true
                    }
                }
            }
            try onStep?(state.step, metrics)
        }
    }
}
