/// Reverse-mode differentiation over the recorded operations.
///
/// The records form a graph from `output` back to the leaves. The walk visits each
/// record once, in reverse topological order, handing it the sum of the gradients of all
/// its uses — so a tensor used twice (`x * x`) or broadcast (each broadcast operation
/// sums its gradient back to the operand's shape) gets the full gradient.

/// The gradients of `output` with respect to each of `targets`, which must be tracked
/// tensors (leaves with `requiresGradient`, or intermediate results). A target that
/// `output` does not depend on gets zeros. `seed` is the gradient of the output itself
/// (ones of the output's shape when omitted, so a non-scalar output is summed).
public func gradients(of output: Tensor, withRespectTo targets: [Tensor], seed: Tensor? = nil) -> [Tensor] {
    zip(targets, reachedGradients(of: output, withRespectTo: targets, seed: seed)).map { target, gradient in
        gradient ?? .zeros(target.shape)
    }
}

/// Like `gradients(of:withRespectTo:seed:)`, but nil for a target that `output` does not
/// depend on — PyTorch's `grad is None`, which optimizers read as "leave this parameter
/// and its state alone".
public func reachedGradients(of output: Tensor, withRespectTo targets: [Tensor], seed: Tensor? = nil) -> [Tensor?] {
    if let seed, seed.shape != output.shape {
        shapeFailure("gradients", "seed shape \(seed.shape) differs from output shape \(output.shape)")
    }
    return withNoGrad {
        let order = topologicalOrder(from: output)
        let wanted = Set(targets.map(ObjectIdentifier.init))
        var accumulated: [ObjectIdentifier: GradientSum] = [:]
        accumulated[ObjectIdentifier(output)] = GradientSum(seed ?? .ones(output.shape))

        for tensor in order.reversed() {
            let id = ObjectIdentifier(tensor)
            guard let record = tensor.record, let gradient = accumulated[id]?.tensor else { continue }
            if !wanted.contains(id) { accumulated[id] = nil }  // free as we go
            let needed = record.inputs.map(\.isTracked)
            let inputGradients = record.backward(gradient, needed)
            for (input, inputGradient) in zip(record.inputs, inputGradients) where input.isTracked {
                guard let inputGradient else { continue }
                if inputGradient.shape != input.shape {
                    fatalError("gradients: the derivative of \(record.operation) gave shape \(inputGradient.shape) for an input of shape \(input.shape)")
                }
                let inputID = ObjectIdentifier(input)
                if let sum = accumulated[inputID] {
                    sum.add(inputGradient)
                } else {
                    accumulated[inputID] = GradientSum(inputGradient)
                }
            }
        }
        return targets.map { accumulated[ObjectIdentifier($0)]?.tensor }
    }
}

/// The value of `f` at `x` and its gradient (`f` must return a scalar or is summed).
public func valueAndGradient(at x: Tensor, of f: (Tensor) -> Tensor) -> (value: Tensor, gradient: Tensor) {
    let (value, grads) = valueAndGradients(at: [x]) { f($0[0]) }
    return (value, grads[0])
}

/// The value of `f` at `xs` and its gradient with respect to each of them.
public func valueAndGradients(at xs: [Tensor], of f: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let tracked = xs.map { $0.trackingGradient() }
    let value = GradientMode.$isRecording.withValue(true) { f(tracked) }
    return (value.detached(), gradients(of: value, withRespectTo: tracked))
}

/// A running sum of gradients that adds in place once it owns its buffer.
private final class GradientSum {
    private(set) var tensor: Tensor
    private var ownsStorage = false

    init(_ tensor: Tensor) { self.tensor = tensor }

    func add(_ other: Tensor) {
        if ownsStorage {
            zipInParallel(tensor.storage.pointer, other.storage.pointer, tensor.storage.pointer, count: tensor.count) { $0 + $1 }
        } else {
            tensor = (tensor + other).detached()
            ownsStorage = true
        }
    }
}

/// Tracked tensors reachable from `output`, each after all of its inputs (depth-first
/// post-order, iterative so that long recurrent graphs cannot overflow the stack).
private func topologicalOrder(from output: Tensor) -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(tensor: Tensor, nextInput: Int)] = [(output, 0)]
    visited.insert(ObjectIdentifier(output))
    while let (tensor, nextInput) = stack.popLast() {
        let inputs = tensor.record?.inputs ?? []
        if nextInput < inputs.count {
            stack.append((tensor, nextInput + 1))
            let input = inputs[nextInput]
            if input.isTracked, visited.insert(ObjectIdentifier(input)).inserted {
                stack.append((input, 0))
            }
        } else {
            order.append(tensor)
        }
    }
    return order
}
