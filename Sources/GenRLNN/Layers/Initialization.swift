import GenRLTensor

/// The parameter initialisations PyTorch uses by default, so that a GenRL layer starts
/// from the same distribution as its PyTorch twin.
public enum Initialization {
    /// U(−1/√fanIn, 1/√fanIn): PyTorch's default for `Linear` and `Conv1d` weights and
    /// biases (kaiming_uniform with a = √5 gives this bound) and, with fanIn = hidden size,
    /// for every `GRU` and `LSTM` tensor.
    public static func uniformFanIn(_ shape: [Int], fanIn: Int, using generator: inout RandomGenerator) -> Tensor {
        let bound = 1 / Float(fanIn).squareRoot()
        return Tensor.randomUniform(shape, lowerBound: -bound, upperBound: bound, using: &generator)
    }

    /// N(0, σ²): PyTorch's default for `Embedding` (σ = 1) and GPT-2's for its weights (σ = 0.02).
    public static func normal(_ shape: [Int], standardDeviation: Float = 1, using generator: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal(shape, standardDeviation: standardDeviation, using: &generator)
    }
}

extension Tensor {
    /// This tensor as a trainable parameter (a leaf whose gradient is tracked).
    public func asParameter() -> Tensor {
        Tensor(shape: shape, storage: storage, requiresGradient: true)
    }
}
