/// What an operation leaves behind so that its gradient can be computed later.
///
/// `backward(outputGradient, needed)` returns one gradient per input, in the order of
/// `inputs`, with the input's shape; it may return `nil` for an input whose `needed` flag
/// is false (an untracked input or one whose gradient nobody asked for). Backward
/// closures capture the inputs and, where the derivative uses it, the output's storage —
/// never the output tensor itself, which would keep itself alive.
final class GradientRecord {
    /// Name of the operation, shown when something goes wrong.
    let operation: String
    /// The operands.
    let inputs: [Tensor]
    /// The derivative rule.
    let backward: (Tensor, [Bool]) -> [Tensor?]

    init(operation: String, inputs: [Tensor], backward: @escaping (Tensor, [Bool]) -> [Tensor?]) {
        self.operation = operation
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations are recorded for gradients on the current task or thread.
public enum GradientMode {
    /// On by default; `withNoGrad` turns it off for a scope.
    @TaskLocal public static var isRecording = true
}

/// Runs `body` without recording operations: for sampling, evaluation and reference
/// models. Results computed inside are never tracked.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isRecording.withValue(false, operation: body)
}

extension Tensor {
    /// The result of an operation over `inputs`: recorded with `backward` when recording is
    /// on and an input is tracked, a plain tensor otherwise.
    static func result(_ operation: String, shape: [Int], storage: TensorStorage, inputs: [Tensor],
                       backward: @escaping (Tensor, [Bool]) -> [Tensor?]) -> Tensor {
        if GradientMode.isRecording, inputs.contains(where: { $0.isTracked }) {
            let record = GradientRecord(operation: operation, inputs: inputs, backward: backward)
            return Tensor(shape: shape, storage: storage, record: record)
        }
        return Tensor(shape: shape, storage: storage, record: nil)
    }
}

extension Tensor {
    /// The result of a custom operation, for layers that fuse several steps into one
    /// kernel (a recurrent sequence, attention). `storage` holds the computed values;
    /// `backward(outputGradient, needed)` returns the gradient for each of `inputs` (or
    /// nil where `needed` is false) with the input's shape. It is recorded only when
    /// recording is on and an input is tracked. The closure must not capture the result
    /// tensor itself (capture `storage` instead).
    public static func customOperation(_ name: String, shape: [Int], storage: TensorStorage, inputs: [Tensor],
                                       backward: @escaping (Tensor, [Bool]) -> [Tensor?]) -> Tensor {
        result(name, shape: shape, storage: storage, inputs: inputs, backward: backward)
    }
}
