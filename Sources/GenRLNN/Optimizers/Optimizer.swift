import GenRLTensor

/// An update rule that changes a model's parameters in place from their gradients.
///
/// ```swift
/// let optimizer = AdamW(learningRate: 3e-4)
/// let schedule = CosineWarmupDecaySchedule(peak: 3e-4, warmupSteps: 100, totalSteps: 10_000)
/// for batch in batches {
///     let (loss, grads) = valueAndGradients(of: model) { lossFunction($0, batch) }
///     optimizer.learningRate = schedule.learningRate(atStep: optimizer.stepCount)
///     optimizer.update(model, gradients: grads.clippedByGlobalNorm(1).gradients)
/// }
/// ```
///
/// Parameters are found in `model` by the names in `gradients` and overwritten in place
/// (`Tensor.withMutableScalars`), so every reference to a parameter tensor stays valid. A
/// parameter with no entry in `gradients` is left alone and its optimizer state is not
/// touched, as PyTorch does for a parameter whose `grad` is `None`.
///
/// `state()` and `restore(_:)` save and reload everything the rule carries between steps
/// (moment estimates, step counts, the learning rate), so that a run resumed from a
/// checkpoint produces bit-identical parameters to one that never stopped.
public protocol Optimizer: AnyObject {
    /// The step size of the next update; a schedule sets it before each update.
    var learningRate: Float { get set }
    /// Number of `update` calls so far (restored by `restore(_:)`).
    var stepCount: Int { get }
    /// Applies one update to the parameters of `model` named in `gradients`.
    func update(_ model: Module, gradients: ParameterGradients)
    /// Applies one update with every gradient multiplied by `scale` first (gradient-norm
    /// clipping's factor, `ParameterGradients.clippingFactor`): the same parameters, to
    /// the bit, as `update(model, gradients: gradients.scaled(by: scale))`, without
    /// writing the scaled copies.
    func update(_ model: Module, gradients: ParameterGradients, scale: Float)
    /// A copy of the state carried between updates.
    func state() -> OptimizerState
    /// Replaces the state with `state` (from `state()` of an optimizer of the same kind).
    /// Nothing changes when it throws.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Through a scaled copy of the gradients (rules that can, apply the scale as they read).
    public func update(_ model: Module, gradients: ParameterGradients, scale: Float) {
        update(model, gradients: scale == 1 ? gradients : gradients.scaled(by: scale))
    }
}

/// The parameters of `model` that `gradients` names, with their gradients, in the order
/// of `gradients`. A name the model lacks or a gradient of the wrong shape is a
/// programming error and stops with a message naming the parameter.
func parametersWithGradients(_ model: Module, _ gradients: ParameterGradients,
                             optimizer: String) -> [(name: String, parameter: Tensor, gradient: Tensor)] {
    let parameters = model.parameterDictionary()
    return gradients.entries.map { name, gradient in
        guard let parameter = parameters[name] else {
            fatalError("\(optimizer).update: the model has no parameter named \(name)")
        }
        if parameter.shape != gradient.shape {
            fatalError("\(optimizer).update: gradient of \(name) has shape \(gradient.shape), the parameter \(parameter.shape)")
        }
        return (name, parameter, gradient)
    }
}
