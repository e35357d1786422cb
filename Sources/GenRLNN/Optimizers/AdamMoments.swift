import Foundation
import GenRLTensor

/// The moment estimates and the update kernel shared by `Adam` and `AdamW`.
///
/// Per parameter θ it keeps m (`exp_avg`), v (`exp_avg_sq`) and its own step count t (a
/// parameter skipped in some updates has a smaller t, as in PyTorch). One update, with
/// the arithmetic in PyTorch's order (`torch.optim.Adam`, single-tensor path):
///
///     t ← t + 1
///     θ ← θ·(1 − ηλ)                    (decoupled decay, AdamW)   or   g ← g + λθ   (L2, Adam)
///     m ← m + (1 − β₁)(g − m)
///     v ← β₂v + (1 − β₂)g²
///     θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// The bias corrections and the step size are computed in Double, then rounded to Float.
final class AdamMoments {
    struct Slots {
        let firstMoment: Tensor
        let secondMoment: Tensor
        var step: Int
    }

    let beta1: Float
    let beta2: Float
    let epsilon: Float
    let weightDecay: Float
    let decoupledWeightDecay: Bool
    private(set) var slots: [String: Slots] = [:]

    init(name: String, betas: (Float, Float), epsilon: Float, weightDecay: Float, decoupled: Bool) {
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "\(name): betas \(betas) must lie in [0, 1)")
        precondition(epsilon >= 0, "\(name): epsilon \(epsilon) must be non-negative")
        precondition(weightDecay >= 0, "\(name): weight decay \(weightDecay) must be non-negative")
        (beta1, beta2) = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupled
    }

    /// One update of every parameter named in `gradients`, each multiplied by `scale`, with
    /// learning rate `rate`.
    func update(_ model: Module, gradients: ParameterGradients, scale: Float, learningRate rate: Float, optimizer: String) {
        for (name, parameter, gradient) in parametersWithGradients(model, gradients, optimizer: optimizer) {
            var slot = slots[name] ?? Slots(firstMoment: .zeros(parameter.shape), secondMoment: .zeros(parameter.shape), step: 0)
            if slot.firstMoment.shape != parameter.shape {
                fatalError("\(optimizer).update: moments of \(name) have shape \(slot.firstMoment.shape), the parameter \(parameter.shape)")
            }
            slot.step += 1
            slots[name] = slot
            parameter.withMutableScalars { theta in
                step(theta.baseAddress!, gradient.storage.pointer, scale: scale, slot, count: theta.count, learningRate: rate)
            }
        }
    }

    private func step(_ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, scale: Float,
                      _ slot: Slots, count: Int, learningRate: Float) {
        let t = Double(slot.step)
        let biasCorrection1 = 1 - Foundation.pow(Double(beta1), t)
        let biasCorrection2 = 1 - Foundation.pow(Double(beta2), t)
        let negativeStepSize = Float(-Double(learningRate) / biasCorrection1)
        let biasCorrection2Root = Float(biasCorrection2.squareRoot())
        let shrink = Float(1 - Double(learningRate) * Double(weightDecay))
        let l2 = decoupledWeightDecay ? 0 : weightDecay
        let decoupled = decoupledWeightDecay && weightDecay != 0
        let firstWeight = Float(1 - Double(beta1)), secondWeight = Float(1 - Double(beta2))
        let firstKeep = 1 - firstWeight
        let beta2 = self.beta2, epsilon = self.epsilon
        let m = slot.firstMoment.storage.pointer, v = slot.secondMoment.storage.pointer
        OptimizerKernel.forEachRange(count) { range in
            var offset = range.lowerBound
            while offset < range.upperBound {
                let lanes = Swift.min(FloatVector.scalarCount, range.upperBound - offset)
                var p = OptimizerKernel.load(theta, offset, lanes)
                var g = OptimizerKernel.load(gradient, offset, lanes) * scale
                var first = OptimizerKernel.load(m, offset, lanes)
                var second = OptimizerKernel.load(v, offset, lanes)
                if decoupled { p = p * shrink }
                if l2 != 0 { g = g + l2 * p }
                // PyTorch's lerp: from the nearer end, so that a weight of 1 gives exactly g.
                first = firstWeight < 0.5 ? first + firstWeight * (g - first) : g - (g - first) * firstKeep
                second = second * beta2 + secondWeight * g * g
                let denominator = OptimizerKernel.squareRoot(second) / biasCorrection2Root + epsilon
                p = p + negativeStepSize * first / denominator
                OptimizerKernel.store(first, m, offset, lanes)
                OptimizerKernel.store(second, v, offset, lanes)
                OptimizerKernel.store(p, theta, offset, lanes)
                offset += FloatVector.scalarCount
            }
        }
    }

    /// Slots `<parameter>.exp_avg`, `<parameter>.exp_avg_sq`, scalars `<parameter>.step`.
    func state(into state: inout OptimizerState) {
        for (name, slot) in slots {
            state.tensors["\(name).exp_avg"] = slot.firstMoment.copy()
            state.tensors["\(name).exp_avg_sq"] = slot.secondMoment.copy()
            state.scalars["\(name).step"] = Double(slot.step)
        }
    }

    /// The slots held by `state`, validated; `extraScalars` are the optimizer-wide ones.
    func restoredSlots(from state: OptimizerState, extraScalars: Set<String>) throws -> [String: Slots] {
        let names = try state.parameterNames(slots: ["exp_avg", "exp_avg_sq"])
        try state.checkScalars(allowed: extraScalars.union(names.map { "\($0).step" }))
        var restored: [String: Slots] = [:]
        for name in names {
            restored[name] = Slots(firstMoment: state.tensors["\(name).exp_avg"]!.copy(),
                                   secondMoment: state.tensors["\(name).exp_avg_sq"]!.copy(),
                                   step: try state.count("\(name).step"))
        }
        return restored
    }

    func replaceSlots(_ restored: [String: Slots]) { slots = restored }
}
