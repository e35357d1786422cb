import GenRLTensor

/// Element-wise non-linearities by name, for configurations.
public enum Activation: String, Codable, Sendable, CaseIterable {
    case relu, gelu, tanh, sigmoid, identity

    /// The non-linearity applied to every element of `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: x.relu()
        case .gelu: x.gelu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .identity: x
        }
    }
}

/// Linear → activation → Linear (the transformer feed-forward block and small heads).
public final class MLP: Module {
    /// The first layer, input → hidden.
    public let input: Linear
    /// The second layer, hidden → output.
    public let output: Linear
    /// The non-linearity between the two layers.
    public let activation: Activation

    /// An MLP inputSize → hidden → outputSize with PyTorch-initialised layers (GELU by default).
    public init(_ inputSize: Int, hidden: Int, _ outputSize: Int, activation: Activation = .gelu,
                generator: inout RandomGenerator) {
        input = Linear(inputSize, hidden, generator: &generator)
        output = Linear(hidden, outputSize, generator: &generator)
        self.activation = activation
    }

    /// output(activation(input(x))).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        output(activation(input(x)))
    }

    /// `residual` + output(activation(input(x))), the addition done by the last layer.
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        output(activation(input(x)), adding: residual)
    }
}
