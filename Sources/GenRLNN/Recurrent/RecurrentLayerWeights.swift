import GenRLTensor

/// The parameters of one layer of a stacked recurrent network, laid out as in PyTorch's
/// `nn.LSTM` and `nn.GRU`: the gate blocks are stacked along the first axis (LSTM: input,
/// forget, cell, output; GRU: reset, update, new), so a PyTorch `state_dict` loads 1:1.
public struct RecurrentLayerWeights: Sendable {
    /// W_ih, [gates·hidden, input]: `weight_ih_l{k}`.
    public let inputWeight: Tensor
    /// W_hh, [gates·hidden, hidden]: `weight_hh_l{k}`.
    public let hiddenWeight: Tensor
    /// b_ih, [gates·hidden], or nil for a network built without biases: `bias_ih_l{k}`.
    public let inputBias: Tensor?
    /// b_hh, [gates·hidden], or nil: `bias_hh_l{k}`.
    public let hiddenBias: Tensor?

    /// A layer initialised as PyTorch does: every tensor U(−1/√hidden, 1/√hidden), drawn in
    /// the order W_ih, W_hh, b_ih, b_hh.
    init(gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, generator: inout RandomGenerator) {
        let rows = gates * hiddenSize
        func draw(_ shape: [Int]) -> Tensor {
            Initialization.uniformFanIn(shape, fanIn: hiddenSize, using: &generator).asParameter()
        }
        inputWeight = draw([rows, inputSize])
        hiddenWeight = draw([rows, hiddenSize])
        inputBias = bias ? draw([rows]) : nil
        hiddenBias = bias ? draw([rows]) : nil
    }

    /// The tensors under PyTorch's names for layer `index`, in `state_dict` order.
    func namedParameters(layer index: Int) -> [(name: String, tensor: Tensor)] {
        var named = [("weight_ih_l\(index)", inputWeight), ("weight_hh_l\(index)", hiddenWeight)]
        if let inputBias { named.append(("bias_ih_l\(index)", inputBias)) }
        if let hiddenBias { named.append(("bias_hh_l\(index)", hiddenBias)) }
        return named
    }
}

/// The configuration and layer plumbing that `LSTM` and `GRU` share.
struct RecurrentStack {
    let inputSize: Int
    let hiddenSize: Int
    let layers: [RecurrentLayerWeights]
    /// b_hh for layers built without biases: zeros, never trained.
    let zeroHiddenBias: Tensor

    init(gates: Int, inputSize: Int, hiddenSize: Int, layerCount: Int, bias: Bool, name: String,
         generator: inout RandomGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0 && layerCount > 0,
                     "\(name): input size \(inputSize), hidden size \(hiddenSize) and layer count \(layerCount) must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        var layers: [RecurrentLayerWeights] = []
        for k in 0..<layerCount {
            layers.append(RecurrentLayerWeights(gates: gates, inputSize: k == 0 ? inputSize : hiddenSize,
                                                hiddenSize: hiddenSize, bias: bias, generator: &generator))
        }
        self.layers = layers
        zeroHiddenBias = Tensor.zeros([gates * hiddenSize])
    }

    /// Every layer's tensors under PyTorch's names.
    var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { $0.element.namedParameters(layer: $0.offset) }
    }

    /// Checks a [B, T, input] sequence and returns B.
    func checkSequence(_ x: Tensor, _ name: String) -> Int {
        if x.rank != 3 || x.shape[2] != inputSize {
            recurrentShapeFailure(name, "input \(x.shape) should be [batch, time, \(inputSize)] (batch first)")
        }
        if x.shape[1] < 1 { recurrentShapeFailure(name, "input \(x.shape) has no time steps") }
        return x.shape[0]
    }

    /// Checks a state tensor of shape [layers, B, hidden].
    func checkState(_ state: Tensor, batch: Int, _ name: String, _ what: String) {
        if state.shape != [layers.count, batch, hiddenSize] {
            recurrentShapeFailure(name, "\(what) \(state.shape) should be [\(layers.count), \(batch), \(hiddenSize)] ([layers, batch, hidden])")
        }
    }

    /// Layer k's slice [B, hidden] of a [layers, B, hidden] state.
    func layerState(_ state: Tensor, _ k: Int) -> Tensor {
        layers.count == 1 ? state.reshaped(Array(state.shape.dropFirst())) : state.selecting(axis: 0, index: k)
    }

    /// Per-layer [B, hidden] states stacked to [layers, B, hidden].
    func stackedState(_ perLayer: [Tensor]) -> Tensor {
        perLayer.count == 1 ? perLayer[0].expandingDimension(at: 0) : Tensor.stack(perLayer, axis: 0)
    }

    /// The input projection of every step of layer k at once: [B, T, in]·W_ihᵀ + b_ih.
    func inputGates(_ x: Tensor, layer k: Int) -> Tensor {
        Tensor.linear(x, weight: layers[k].inputWeight, bias: layers[k].inputBias)
    }

    /// b_hh of layer k (zeros when the network has no biases).
    func hiddenBias(layer k: Int) -> Tensor { layers[k].hiddenBias ?? zeroHiddenBias }
}
