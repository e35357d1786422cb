import GenRLTensor

/// Stochastic gradient descent with momentum, as `torch.optim.SGD`.
///
/// For each parameter θ with gradient g, at every update:
///
///     d ← g + λθ                       (weight decay λ, an L2 term in the gradient)
///     b ← d                            (first update of θ)
///     b ← μb + (1 − τ)d                (later updates; momentum μ, dampening τ)
///     d ← d + μb   if Nesterov,   else d ← b
///     θ ← θ − η·d                      (learning rate η)
///
/// Without momentum (μ = 0) no buffer is kept and θ ← θ − η(g + λθ). PyTorch's defaults:
/// μ = 0, τ = 0, λ = 0, no Nesterov. Nesterov momentum requires μ > 0 and τ = 0.
public final class SGD: Optimizer {
    /// The step size η.
    public var learningRate: Float
    /// The momentum factor μ.
    public let momentum: Float
    /// The dampening τ of the gradient added to the momentum buffer.
    public let dampening: Float
    /// Whether to use Nesterov momentum (Sutskever et al. 2013).
    public let nesterov: Bool
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    /// Number of updates so far.
    public private(set) var stepCount = 0

    /// The momentum buffer b of each parameter updated so far (when μ > 0).
    private var momentumBuffers: [String: Tensor] = [:]

    /// An optimizer with the given settings (PyTorch's defaults apart from the learning
    /// rate, which PyTorch also requires).
    public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0) {
        precondition(learningRate >= 0, "SGD: learning rate \(learningRate) must be non-negative")
        precondition(momentum >= 0, "SGD: momentum \(momentum) must be non-negative")
        precondition(weightDecay >= 0, "SGD: weight decay \(weightDecay) must be non-negative")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires momentum > 0 and dampening 0")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// Applies the rule above to every parameter named in `gradients`.
    public func update(_ model: Module, gradients: ParameterGradients) {
        update(model, gradients: gradients, scale: 1)
    }

    /// The rule above with every gradient multiplied by `scale` as it is read.
    public func update(_ model: Module, gradients: ParameterGradients, scale: Float) {
        for (name, parameter, gradient) in parametersWithGradients(model, gradients, optimizer: "SGD") {
            var buffer: Tensor?
            var isFirst = false
            if momentum != 0 {
                if let existing = momentumBuffers[name] {
                    if existing.shape != parameter.shape {
                        fatalError("SGD.update: momentum buffer of \(name) has shape \(existing.shape), the parameter \(parameter.shape)")
                    }
                    buffer = existing
                } else {
                    buffer = Tensor.zeros(parameter.shape)
                    momentumBuffers[name] = buffer
                    isFirst = true
                }
            }
            parameter.withMutableScalars { theta in
                step(theta.baseAddress!, gradient.storage.pointer, scale: scale, buffer?.storage.pointer, count: theta.count,
                     isFirst: isFirst)
            }
        }
        stepCount += 1
    }

    /// The update rule over one parameter's elements.
    private func step(_ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, scale: Float,
                      _ buffer: UnsafeMutablePointer<Float>?, count: Int, isFirst: Bool) {
        let rate = -learningRate, decay = weightDecay, mu = momentum, keep = 1 - dampening
        let nesterov = self.nesterov
        OptimizerKernel.forEachRange(count) { range in
            if let buffer {
                for i in range {
                    var d = gradient[i] * scale
                    if decay != 0 { d = d + decay * theta[i] }
                    let b = isFirst ? d : buffer[i] * mu + keep * d
                    buffer[i] = b
                    d = nesterov ? d + mu * b : b
                    theta[i] = theta[i] + rate * d
                }
            } else {
                for i in range {
                    var d = gradient[i] * scale
                    if decay != 0 { d = d + decay * theta[i] }
                    theta[i] = theta[i] + rate * d
                }
            }
        }
    }

    /// Slots `<parameter>.momentum_buffer`; scalars `step` and `learning_rate`.
    public func state() -> OptimizerState {
        OptimizerState(tensors: Dictionary(uniqueKeysWithValues: momentumBuffers.map { ("\($0.key).momentum_buffer", $0.value.copy()) }),
                       scalars: ["step": Double(stepCount), "learning_rate": Double(learningRate)])
    }

    /// Restores buffers, step count and learning rate saved by `state()`.
    public func restore(_ state: OptimizerState) throws {
        try state.checkScalars(allowed: ["step", "learning_rate"])
        let names = try state.parameterNames(slots: ["momentum_buffer"])
        if momentum == 0, let name = names.first { throw OptimizerStateError.unexpectedEntry("\(name).momentum_buffer") }
        let steps = try state.count("step")
        let rate = try state.learningRate()
        momentumBuffers = Dictionary(uniqueKeysWithValues: names.map { ($0, state.tensors["\($0).momentum_buffer"]!.copy()) })
        stepCount = steps
        learningRate = rate
    }
}
