import GenRLTensor

/// The state an `LSTM` carries between calls: one hidden and one cell state per layer.
public struct LSTMState: Sendable {
    /// h, [layers, batch, hidden] (PyTorch's `h_n` layout).
    public var hidden: Tensor
    /// c, [layers, batch, hidden] (PyTorch's `c_n`).
    public var cell: Tensor

    /// A state of the given hidden and cell tensors, each [layers, batch, hidden].
    public init(hidden: Tensor, cell: Tensor) {
        self.hidden = hidden
        self.cell = cell
    }

    /// The same values without gradient history (truncated backpropagation through time).
    public func detached() -> LSTMState { LSTMState(hidden: hidden.detached(), cell: cell.detached()) }
}

/// A stacked long short-term memory network over batch-first sequences, with the
/// semantics, gate order and parameter names of `torch.nn.LSTM(input, hidden, layers,
/// batch_first=True, dropout=p)` (Hochreiter & Schmidhuber 1997, with a forget gate):
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
///     g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
///     c' = f ⊙ c + i ⊙ g                      h' = o ⊙ tanh(c')
///
/// Layer k's parameters are `weight_ih_l{k}` [4H, in], `weight_hh_l{k}` [4H, H],
/// `bias_ih_l{k}` and `bias_hh_l{k}` [4H], initialised U(−1/√H, 1/√H) as in PyTorch.
/// A layer's input projection for all steps is one matrix product and its recurrence one
/// fused operation (`Tensor.lstmRecurrence`) with a hand-written backward pass. In
/// training mode, dropout with probability `dropout.probability` is applied to the
/// output of every layer but the last.
public final class LSTM: Module, @unchecked Sendable {
    /// The layers' weights and shared plumbing.
    let stack: RecurrentStack
    /// Dropout between layers (PyTorch's `dropout` argument).
    public let dropout: Dropout

    /// Features of each input step.
    public var inputSize: Int { stack.inputSize }
    /// H, the size of the hidden and cell states.
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
        stack = RecurrentStack(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layerCount,
                               bias: bias, name: "LSTM", generator: &generator)
        self.dropout = Dropout(probability: dropout, seed: generator.next())
    }

    /// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `weight_ih_l1`, …: the
    /// keys of PyTorch's `state_dict`.
    public override func ownParameters() -> [(name: String, tensor: Tensor)] { stack.namedParameters }

    /// Zeros for h and c, [layers, batchSize, hidden] each (PyTorch's default state).
    public func zeroState(batchSize: Int) -> LSTMState {
        let shape = [layerCount, batchSize, hiddenSize]
        return LSTMState(hidden: .zeros(shape), cell: .zeros(shape))
    }

    /// Runs the network over a sequence `x` [B, T, input] from `state` (zeros when nil).
    ///
    /// - Returns: the last layer's hidden state at every step [B, T, H], and the state
    ///   after the last step. Gradients flow from both to the input, the parameters and
    ///   the initial state.
    public func callAsFunction(_ x: Tensor, state: LSTMState? = nil) -> (output: Tensor, state: LSTMState) {
        let batch = stack.checkSequence(x, "LSTM")
        let state = state ?? zeroState(batchSize: batch)
        stack.checkState(state.hidden, batch: batch, "LSTM", "hidden state")
        stack.checkState(state.cell, batch: batch, "LSTM", "cell state")
        var input = x
        var finalHidden: [Tensor] = [], finalCell: [Tensor] = []
        for k in 0..<layerCount {
            if k > 0 { input = dropout(input) }
            let layer = Tensor.lstmRecurrence(
                inputGates: stack.inputGates(input, layer: k), hiddenWeight: layers[k].hiddenWeight,
                hiddenBias: stack.hiddenBias(layer: k), initialHidden: stack.layerState(state.hidden, k),
                initialCell: stack.layerState(state.cell, k))
            input = layer.output
            finalHidden.append(layer.finalHidden)
            finalCell.append(layer.finalCell)
        }
        return (input, LSTMState(hidden: stack.stackedState(finalHidden), cell: stack.stackedState(finalCell)))
    }

    /// One step for generation: `x` [B, input] from `state`. The same computation as a
    /// sequence of length 1, so stepping through a sequence gives the sequence call's
    /// results; cheap under `withNoGrad` (nothing is kept for a backward pass) and
    /// differentiable when recording.
    ///
    /// - Returns: the last layer's new hidden state [B, H] and the new state.
    public func step(_ x: Tensor, state: LSTMState) -> (output: Tensor, state: LSTMState) {
        if x.rank != 2 { recurrentShapeFailure("LSTM.step", "input \(x.shape) should be [batch, \(inputSize)]") }
        let (output, next) = self(x.reshaped([x.shape[0], 1, x.shape[1]]), state: state)
        return (output.reshaped([x.shape[0], hiddenSize]), next)
    }
}
