/// The sizes of one pre-LayerNorm transformer block (`GPTBlock`), as a configuration file
/// spells them.
///
/// The defaults that are not given follow nanoGPT / GPT-2: an MLP four times as wide as
/// the block, LayerNorm ε = 10⁻⁵. GPT-2 small uses width 768, 12 heads, context 1024 and
/// dropout 0.1; nanoGPT's fine-tuning default is dropout 0. When decoding a configuration,
/// `width` and `heads` are required and the other keys may be left out.
public struct TransformerBlockConfiguration: Codable, Sendable, Equatable {
    /// Size of the hidden state of every position (d, nanoGPT's `n_embd`).
    public var width: Int
    /// Number of attention heads (H, `n_head`); must divide `width`.
    public var heads: Int
    /// Hidden size of the MLP as a multiple of `width` (4 in GPT-2).
    public var mlpRatio: Int
    /// Dropout probability on the attention weights and on both residual branches
    /// (nanoGPT's single `dropout`; GPT-2 trained with 0.1). Off in evaluation mode.
    public var dropout: Float
    /// Longest sequence the block is used on: the default capacity of a `KVCache`
    /// (nanoGPT's `block_size`, 1024 in GPT-2).
    public var contextLength: Int
    /// ε of both LayerNorms.
    public var layerNormEpsilon: Float

    /// A configuration; see the properties for the meaning and defaults.
    public init(width: Int, heads: Int, mlpRatio: Int = 4, dropout: Float = 0, contextLength: Int = 1024,
                layerNormEpsilon: Float = 1e-5) {
        self.width = width
        self.heads = heads
        self.mlpRatio = mlpRatio
        self.dropout = dropout
        self.contextLength = contextLength
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Size of one head's queries, keys and values: d_h = width / heads.
    public var headDimension: Int { width / Swift.max(heads, 1) }
    /// Hidden size of the MLP: mlpRatio · width.
    public var mlpWidth: Int { mlpRatio * width }

    /// Checks that the sizes make a block.
    ///
    /// - Throws: `TransformerConfigurationError` naming the first field at fault.
    public func validate() throws(TransformerConfigurationError) {
        for (field, value) in [("width", width), ("heads", heads), ("mlpRatio", mlpRatio), ("contextLength", contextLength)]
        where value <= 0 {
            throw .notPositive(field: field, value: value)
        }
        if width % heads != 0 { throw .widthNotDivisibleByHeads(width: width, heads: heads) }
        if !(dropout >= 0 && dropout < 1) { throw .dropoutOutOfRange(dropout) }
        if !(layerNormEpsilon > 0) { throw .epsilonNotPositive(layerNormEpsilon) }
    }

    private enum CodingKeys: String, CodingKey {
        case width, heads, mlpRatio, dropout, contextLength, layerNormEpsilon
    }

    /// Decodes a configuration; keys other than `width` and `heads` take their defaults
    /// when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(width: try container.decode(Int.self, forKey: .width),
                  heads: try container.decode(Int.self, forKey: .heads),
                  mlpRatio: try container.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? 4,
                  dropout: try container.decodeIfPresent(Float.self, forKey: .dropout) ?? 0,
                  contextLength: try container.decodeIfPresent(Int.self, forKey: .contextLength) ?? 1024,
                  layerNormEpsilon: try container.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5)
    }
}

/// Why a `TransformerBlockConfiguration` does not describe a block.
public enum TransformerConfigurationError: Error, CustomStringConvertible, Equatable {
    /// A size that must be positive is not.
    case notPositive(field: String, value: Int)
    /// The heads do not split the width evenly.
    case widthNotDivisibleByHeads(width: Int, heads: Int)
    /// The dropout probability is outside [0, 1).
    case dropoutOutOfRange(Float)
    /// The LayerNorm ε is not positive.
    case epsilonNotPositive(Float)

    /// A sentence naming the field at fault and its value.
    public var description: String {
        switch self {
        case let .notPositive(field, value):
            "transformer block: \(field) must be positive, got \(value)"
        case let .widthNotDivisibleByHeads(width, heads):
            "transformer block: width \(width) is not divisible by the number of heads \(heads)"
        case let .dropoutOutOfRange(p):
            "transformer block: dropout must be in [0, 1), got \(p)"
        case let .epsilonNotPositive(epsilon):
            "transformer block: layerNormEpsilon must be positive, got \(epsilon)"
        }
    }
}
