import GenRLTensor

/// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), as
/// `torch.optim.AdamW`: Adam whose weight decay shrinks the parameter directly instead
/// of entering the moments.
///
/// Per parameter θ with gradient g, moments m, v (zero at first) and its own step t:
///
///     θ ← θ·(1 − ηλ)
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Defaults as PyTorch: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, λ = 0.01.
public final class AdamW: Optimizer {
    /// The step size η.
    public var learningRate: Float
    /// Number of updates so far.
    public private(set) var stepCount = 0
    private let moments: AdamMoments

    /// The decay rate β₁ of the first moment.
    public var beta1: Float { moments.beta1 }
    /// The decay rate β₂ of the second moment.
    public var beta2: Float { moments.beta2 }
    /// The ε added to the denominator.
    public var epsilon: Float { moments.epsilon }
    /// The decoupled weight decay λ (each update multiplies θ by 1 − ηλ).
    public var weightDecay: Float { moments.weightDecay }

    /// An optimizer with the given settings (defaults as `torch.optim.AdamW`).
    public init(learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
                weightDecay: Float = 0.01) {
        precondition(learningRate >= 0, "AdamW: learning rate \(learningRate) must be non-negative")
        self.learningRate = learningRate
        moments = AdamMoments(name: "AdamW", betas: betas, epsilon: epsilon, weightDecay: weightDecay, decoupled: true)
    }

    /// Applies the rule above to every parameter named in `gradients`.
    public func update(_ model: Module, gradients: ParameterGradients) {
        moments.update(model, gradients: gradients, learningRate: learningRate, optimizer: "AdamW")
        stepCount += 1
    }

    /// Slots `<parameter>.exp_avg` and `<parameter>.exp_avg_sq`; scalars
    /// `<parameter>.step`, `step` and `learning_rate`.
    public func state() -> OptimizerState {
        var state = OptimizerState(scalars: ["step": Double(stepCount), "learning_rate": Double(learningRate)])
        moments.state(into: &state)
        return state
    }

    /// Restores moments, step counts and learning rate saved by `state()`.
    public func restore(_ state: OptimizerState) throws {
        let slots = try moments.restoredSlots(from: state, extraScalars: ["step", "learning_rate"])
        let steps = try state.count("step")
        let rate = try state.learningRate()
        moments.replaceSlots(slots)
        stepCount = steps
        learningRate = rate
    }
}
