import GenRLTensor

/// A lookup table of vectors for token ids (`torch.nn.Embedding`), initialised N(0, 1).
public final class Embedding: Module {
    /// [vocabularySize, dimension].
    public let weight: Tensor

    /// A table of `vocabularySize` vectors of size `dimension`, drawn from N(0, 1).
    public init(_ vocabularySize: Int, _ dimension: Int, generator: inout RandomGenerator) {
        weight = Initialization.normal([vocabularySize, dimension], using: &generator).asParameter()
    }

    /// Number of rows.
    public var vocabularySize: Int { weight.shape[0] }
    /// Vector size.
    public var dimension: Int { weight.shape[1] }

    /// The vectors of `ids` ([...] → [..., dimension]).
    public func callAsFunction(_ ids: IntTensor) -> Tensor {
        weight.indexSelect(ids, axis: 0)
    }
}
