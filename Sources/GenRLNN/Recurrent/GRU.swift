import GenRLTensor

/// The state a `GRU` carries between calls: one hidden state per layer.
public struct GRUState: Sendable {
    /// h, [layers, batch, hidden] (PyTorch's `h_n` layout).
    public var hidden: Tensor

    /// A state of the given hidden tensor [layers, batch, hidden].
    public init(hidden: Tensor) { self.hidden = hidden }

    /// The same values without gradient history (truncated backpropagation through time).
    public func detached() -> GRUState { GRUState(hidden: hidden.detached()) }
}

/// A stacked gated recurrent unit network over batch-first sequences, with the
/// semantics, gate order and parameter names of `torch.nn.GRU(input, hidden, layers,
/// batch_first=True, dropout=p)` (Cho et al. 2014, with the reset gate applied after the
/// hidden product as in cuDNN and PyTorch):
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Layer k's parameters are `weight_ih_l{k}` [3H, in], `weight_hh_l{k}` [3H, H],
/// `bias_ih_l{k}` and `bias_hh_l{k}` [3H], initialised U(−1/√H, 1/√H) as in PyTorch.
/// A layer's input projection for all steps is one matrix product and its recurrence one
/// fused operation (`Tensor.gruRecurrence`) with a hand-written backward pass. In
/// training mode, dropout with probability `dropout.probability` is applied to the
/// output of every layer but the last.
public final class GRU: Module, @unchecked Sendable {
    /// The layers' weights and shared plumbing.
    let stack: RecurrentStack
    /// Dropout between layers (PyTorch's `dropout` argument).
    public let dropout: Dropout

    /// Features of each input step.
    public var inputSize: Int { stack.inputSize }
    /// H, the size of the hidden state.
    public var hiddenSize: Int { stack.hiddenSize }
    /// Number of stacked layers.
    public var layerCount: Int { stack.layers.count }
    /// Each layer's parameters.
    public var layers: [RecurrentLayerWeights] { stack.layers }

    /// - Parameters:
    ///   - dropout: probability of zeroing an element of each layer's output except the
    ///     last one's, in training mode (PyTorch default 0).
    ///   - bias: whether the layers have b_ih and b_hh (PyTorch default true).
    ///   - generator: draws the initial weights, then the dropout generator's seed.
    public init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, dropout: Float = 0, bias: Bool = true,
                generator: inout RandomGenerator) {
        stack = RecurrentStack(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layerCount,
                               bias: bias, name: "GRU", generator: &generator)
        self.dropout = Dropout(probability: dropout, seed: generator.next())
    }

    /// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `weight_ih_l1`, …: the
    /// keys of PyTorch's `state_dict`.
    public override func ownParameters() -> [(name: String, tensor: Tensor)] { stack.namedParameters }

    /// Zeros, [layers, batchSize, hidden] (PyTorch's default state).
    public func zeroState(batchSize: Int) -> GRUState {
        GRUState(hidden: .zeros([layerCount, batchSize, hiddenSize]))
    }

    /// Runs the network over a sequence `x` [B, T, input] from `state` (zeros when nil).
    ///
    /// - Returns: the last layer's hidden state at every step [B, T, H], and the state
    ///   after the last step. Gradients flow from both to the input, the parameters and
    ///   the initial state.
    public func callAsFunction(_ x: Tensor, state: GRUState? = nil) -> (output: Tensor, state: GRUState) {
        let batch = stack.checkSequence(x, "GRU")
        let state = state ?? zeroState(batchSize: batch)
        stack.checkState(state.hidden, batch: batch, "GRU", "hidden state")
        var input = x
        var finalHidden: [Tensor] = []
        for k in 0..<layerCount {
            if k > 0 { input = dropout(input) }
            let layer = Tensor.gruRecurrence(
                inputGates: stack.inputGates(input, layer: k), hiddenWeight: layers[k].hiddenWeight,
                hiddenBias: stack.hiddenBias(layer: k), initialHidden: stack.layerState(state.hidden, k))
            input = layer.output
            finalHidden.append(layer.finalHidden)
        }
        return (input, GRUState(hidden: stack.stackedState(finalHidden)))
    }

    /// One step for generation: `x` [B, input] from `state`. The same computation as a
    /// sequence of length 1, so stepping through a sequence gives the sequence call's
    /// results; cheap under `withNoGrad` (nothing is kept for a backward pass) and
    /// differentiable when recording.
    ///
    /// - Returns: the last layer's new hidden state [B, H] and the new state.
    public func step(_ x: Tensor, state: GRUState) -> (output: Tensor, state: GRUState) {
        if x.rank != 2 { recurrentShapeFailure("GRU.step", "input \(x.shape) should be [batch, \(inputSize)]") }
        let (output, next) = self(x.reshaped([x.shape[0], 1, x.shape[1]]), state: state)
        return (output.reshaped([x.shape[0], hiddenSize]), next)
    }
}
