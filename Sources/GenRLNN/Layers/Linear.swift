import GenRLTensor

/// y = x·Wᵀ + b over the last axis, with W of shape [out, in] as in PyTorch
/// (`torch.nn.Linear`); weight and bias start from U(−1/√in, 1/√in).
public final class Linear: Module {
    /// [outputSize, inputSize].
    public let weight: Tensor
    /// [outputSize], or nil without bias.
    public let bias: Tensor?

    /// A layer inputSize → outputSize, with a bias unless `bias` is false.
    public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, generator: inout RandomGenerator) {
        weight = Initialization.uniformFanIn([outputSize, inputSize], fanIn: inputSize, using: &generator).asParameter()
        self.bias = bias ? Initialization.uniformFanIn([outputSize], fanIn: inputSize, using: &generator).asParameter() : nil
    }

    /// Input features.
    public var inputSize: Int { weight.shape[1] }
    /// Output features.
    public var outputSize: Int { weight.shape[0] }

    /// x·Wᵀ + b over the last axis of `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.linear(x, weight: weight, bias: bias)
    }

    /// `residual` + the layer of `x`, in one pass (`Tensor.linear(_:weight:bias:adding:)`).
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        Tensor.linear(x, weight: weight, bias: bias, adding: residual)
    }
}
