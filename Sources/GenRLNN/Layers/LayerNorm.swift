import GenRLTensor

/// Layer normalisation over the last axis (`torch.nn.LayerNorm`): γ = 1, β = 0 at
/// start, ε = 10⁻⁵ by default. See `Tensor.layerNorm` for the formula.
public final class LayerNorm: Module {
    /// γ, [dimension].
    public let weight: Tensor
    /// β, [dimension].
    public let bias: Tensor
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// A LayerNorm over a last axis of size `dimension`.
    public init(_ dimension: Int, epsilon: Float = 1e-5) {
        weight = Tensor.ones([dimension]).asParameter()
        bias = Tensor.zeros([dimension]).asParameter()
        self.epsilon = epsilon
    }

    /// (x − mean) / √(var + ε) · γ + β over the last axis of `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.layerNorm(x, weight: weight, bias: bias, epsilon: epsilon)
    }
}
