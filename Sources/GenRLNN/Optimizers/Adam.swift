import GenRLTensor

/// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), as
/// `torch.optim.Adam`, with weight decay as an L2 term added to the gradient.
///
/// Per parameter θ with gradient g, moments m, v (zero at first) and its own step t:
///
///     g ← g + λθ
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Defaults as the paper and PyTorch: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, λ = 0. For decay
/// that does not pass through the moments use `AdamW`.
public class Adam: Optimizer {
    /// The step size η.
    public var learningRate: Float
    /// Number of updates so far.
    public private(set) var stepCount = 0
    private let moments: AdamMoments
    /// `Adam` or `AdamW`, for messages.
    private let name: String

    /// The decay rate β₁ of the first moment.
    public var beta1: Float { moments.beta1 }
    /// The decay rate β₂ of the second moment.
    public var beta2: Float { moments.beta2 }
    /// The ε added to the denominator.
    public var epsilon: Float { moments.epsilon }
    /// The weight decay λ: an L2 term added to the gradient (Adam), or a shrinking of θ
    /// by 1 − ηλ at each update (AdamW).
    public var weightDecay: Float { moments.weightDecay }

    /// An optimizer with the given settings (defaults as `torch.optim.Adam`).
    public convenience init(learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
                            weightDecay: Float = 0) {
        self.init(name: "Adam", learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
                  decoupled: false)
    }

    init(name: String, learningRate: Float, betas: (Float, Float), epsilon: Float, weightDecay: Float, decoupled: Bool) {
        precondition(learningRate >= 0, "\(name): learning rate \(learningRate) must be non-negative")
        self.name = name
        self.learningRate = learningRate
        moments = AdamMoments(name: name, betas: betas, epsilon: epsilon, weightDecay: weightDecay, decoupled: decoupled)
    }

    /// Applies the rule above to every parameter named in `gradients`.
    public func update(_ model: Module, gradients: ParameterGradients) {
        update(model, gradients: gradients, scale: 1)
    }

    /// The rule above with every gradient multiplied by `scale` as it is read.
    public func update(_ model: Module, gradients: ParameterGradients, scale: Float) {
        moments.update(model, gradients: gradients, scale: scale, learningRate: learningRate, optimizer: name)
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

/// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), as
/// `torch.optim.AdamW`: Adam whose weight decay shrinks the parameter directly instead
/// of entering the moments:
///
///     θ ← θ·(1 − ηλ), then Adam's update without the L2 term.
///
/// Defaults as PyTorch: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, λ = 0.01.
public final class AdamW: Adam {
    /// An optimizer with the given settings (defaults as `torch.optim.AdamW`).
    public init(learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
                weightDecay: Float = 0.01) {
        super.init(name: "AdamW", learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
                   decoupled: true)
    }
}
