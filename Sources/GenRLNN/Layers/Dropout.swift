import GenRLTensor

/// Inverted dropout in training mode, the identity in evaluation mode
/// (`torch.nn.Dropout`). It owns its random generator so that a checkpoint can save and
/// restore it (`Module.randomStates()`); `Module.seedRandomState(_:)` reseeds a model.
public final class Dropout: Module, RandomStateful {
    /// Probability of zeroing an element.
    public let probability: Float
    /// The generator the masks are drawn from.
    public var generator: RandomGenerator

    /// Dropout with `probability` in [0, 1), its masks drawn from a generator seeded with `seed`.
    public init(probability: Float, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1), got \(probability)")
        self.probability = probability
        generator = RandomGenerator(seed: seed)
    }

    /// In training, zeroes each element with the probability and scales the rest by 1/(1 − p);
    /// otherwise returns `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard !isIdentity else { return x }
        return x.dropout(probability: probability, using: &generator)
    }

    /// Whether the layer passes its input through unchanged: when evaluating, or with
    /// probability 0.
    public var isIdentity: Bool { !isTraining || probability == 0 }
}
