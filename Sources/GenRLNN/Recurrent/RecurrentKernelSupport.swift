import GenRLTensor

/// Pieces shared by the fused LSTM and GRU recurrences: how one recorded operation hands
/// back two results (the output sequence and the final state), buffer helpers, and SIMD
/// access to rows whose length need not be a multiple of eight.

// MARK: - Two results from one recorded operation

/// Holds the gradient of a fused recurrence's output sequence until the record that runs
/// backpropagation through time asks for it.
///
/// A recorded operation has one result, but a recurrence has two: the output sequence
/// [B, T, H] and the final state. The final state is the recorded result of the fused
/// operation; the output sequence is a second record whose only input is that final
/// state. The gradient walk visits the output's record first (it consumes the state), so
/// its backward leaves the output gradient here, passes zeros on to the state, and the
/// state's backward then has both gradients for one sweep backwards in time. The output
/// gradient is taken (and cleared) by that sweep, so the same graph can be differentiated
/// again; two gradient walks over the same graph must not run at the same time.
final class OutputGradientRelay: @unchecked Sendable {
    private var outputGradient: Tensor?

    /// Called by the output's record.
    func deposit(_ gradient: Tensor) { outputGradient = gradient }

    /// Called once by the state's record: the output gradient, or nil when the loss does
    /// not depend on the output sequence.
    func take() -> Tensor? {
        defer { outputGradient = nil }
        return outputGradient
    }
}

/// Recording of the fused recurrences.
enum RecurrentRecording {
    /// The output sequence and the final state of a fused recurrence as two tensors,
    /// recorded (when `inputs` are tracked and recording is on) so that `backward`
    /// receives the final state's gradient and, when there is one, the output sequence's.
    static func record(
        _ name: String, inputs: [Tensor],
        output: (shape: [Int], storage: TensorStorage), finalState: (shape: [Int], storage: TensorStorage),
        backward: @escaping (_ finalStateGradient: Tensor, _ outputGradient: Tensor?, _ needed: [Bool]) -> [Tensor?]
    ) -> (output: Tensor, finalState: Tensor) {
        let relay = OutputGradientRelay()
        let stateShape = finalState.shape
        let state = Tensor.customOperation(name, shape: stateShape, storage: finalState.storage, inputs: inputs) { g, needed in
            backward(g, relay.take(), needed)
        }
        let sequence = Tensor.customOperation("\(name).output", shape: output.shape, storage: output.storage,
                                              inputs: [state]) { g, _ in
            relay.deposit(g)
            return [Tensor.zeros(stateShape)]
        }
        return (sequence, state)
    }

    /// Whether an operation over `inputs` will be recorded, so a forward pass knows
    /// whether to keep what its backward pass needs.
    static func willRecord(_ inputs: [Tensor]) -> Bool {
        GradientMode.isRecording && inputs.contains { $0.isTracked }
    }
}

// MARK: - Buffers

/// Row-wise helpers over raw buffers.
enum RecurrentBuffers {
    /// `rows` rows of `width` floats read with a row stride of `sourceStride`, copied to
    /// rows at `destination` with stride `destinationStride`.
    static func copyRows(_ source: UnsafePointer<Float>, sourceStride: Int, to destination: UnsafeMutablePointer<Float>,
                         destinationStride: Int, rows: Int, width: Int) {
        for row in 0..<rows {
            (destination + row * destinationStride).update(from: source + row * sourceStride, count: width)
        }
    }

    /// Σ over the rows of a [rows, width] buffer, written to `destination` [width].
    static func sumRows(_ source: UnsafePointer<Float>, rows: Int, width: Int, into destination: UnsafeMutablePointer<Float>) {
        destination.update(repeating: 0, count: width)
        for row in 0..<rows {
            let line = source + row * width
            Lanes.forEachBlock(width) { j, lanes in
                Lanes.store(Lanes.load(destination + j, lanes) + Lanes.load(line + j, lanes), destination + j, lanes)
            }
        }
    }

    /// hₜ₋₁ for every (b, t) as a [B·T, H] matrix: h₀ for t = 0, the output of step t − 1
    /// otherwise (the right operand of ∂L/∂W_hh = Σ ĝᵀ·hₜ₋₁).
    static func previousHiddenStates(output: TensorStorage, initial: Tensor, batch: Int, length: Int,
                                     hidden: Int) -> TensorStorage {
        let previous = TensorStorage(uninitializedCount: batch * length * hidden)
        for b in 0..<batch {
            let row = previous.pointer + b * length * hidden
            row.update(from: initial.storage.pointer + b * hidden, count: hidden)
            (row + hidden).update(from: output.pointer + b * length * hidden, count: (length - 1) * hidden)
        }
        return previous
    }

    /// Runs `body` over the batch rows, split across threads when a step's element-wise
    /// work (`rows × width` elements) is large enough to pay for it.
    @inline(__always)
    static func forEachBatchRow(_ rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(width, 1)), body)
    }
}

// MARK: - SIMD access to rows whose length is not a multiple of 8

/// Eight-lane loads and stores that also cover a row's last, partial block.
enum Lanes {
    /// Runs `body(j, lanes)` over a row of `count` floats in blocks of eight: `lanes == 8`
    /// for the full blocks (a constant once inlined, so their loads and stores are plain
    /// vector moves), then once for the remaining `count % 8`, if any.
    @inline(__always)
    static func forEachBlock(_ count: Int, _ body: (_ offset: Int, _ lanes: Int) -> Void) {
        var j = 0
        while j + 8 <= count {
            body(j, 8)
            j += 8
        }
        if j < count { body(j, count - j) }
    }

    /// Eight floats from `pointer`, or the first `lanes` of them padded with zeros.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>, _ lanes: Int) -> FloatVector {
        if lanes >= 8 { return UnsafeRawPointer(pointer).loadUnaligned(as: FloatVector.self) }
        var v = FloatVector()
        for lane in 0..<lanes { v[lane] = pointer[lane] }
        return v
    }

    /// Stores the first `lanes` (at most eight) lanes of `v` at `pointer`.
    @inline(__always)
    static func store(_ v: FloatVector, _ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes >= 8 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: FloatVector.self)
            return
        }
        for lane in 0..<lanes { pointer[lane] = v[lane] }
    }
}

/// Stops with a message naming the recurrent operation or layer and the shapes at fault.
func recurrentShapeFailure(_ operation: String, _ message: String) -> Never {
    fatalError("\(operation): \(message)")
}
