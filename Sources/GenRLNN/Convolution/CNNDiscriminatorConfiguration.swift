/// The shape of SeqGAN's convolutional discriminator (`CNNDiscriminator`).
///
/// The defaults are those of Yu, Zhang, Wang & Yu, "SeqGAN: Sequence Generative
/// Adversarial Nets with Policy Gradient" (AAAI 2017), appendix on the synthetic data
/// experiment, and of the authors' code (LantaoYu/SeqGAN, `sequence_gan.py`):
/// embedding size 64, filter widths 1–10, 15, 20 with 100, 200, 200, 200, 200, 100, 100,
/// 100, 100, 100, 160, 160 filters, and dropout keep-probability 0.75 (drop 0.25). Only
/// `vocabularySize` and `sequenceLength` are required when decoding; missing fields take
/// these defaults.
public struct CNNDiscriminatorConfiguration: Codable, Sendable, Equatable {
    /// Number of token ids, V.
    public var vocabularySize: Int
    /// Length T of the sequences scored; filter widths longer than this are left out.
    public var sequenceLength: Int
    /// Size E of the token embeddings. SeqGAN: 64.
    public var embeddingSize: Int
    /// Width k of each filter bank, in output order. SeqGAN: 1, 2, …, 10, 15, 20.
    public var filterWidths: [Int]
    /// Number of filters n_k of each width. SeqGAN: 100, 200, 200, 200, 200, 100, 100,
    /// 100, 100, 100, 160, 160.
    public var filterCounts: [Int]
    /// Probability of zeroing a feature after the highway layer in training. SeqGAN: 0.25
    /// (keep-probability 0.75).
    public var dropoutProbability: Float

    /// SeqGAN's filter widths.
    public static let seqGANFilterWidths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20]
    /// SeqGAN's filter counts, one per width.
    public static let seqGANFilterCounts = [100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160]

    /// A configuration with SeqGAN's defaults for every field not given.
    public init(vocabularySize: Int, sequenceLength: Int, embeddingSize: Int = 64,
                filterWidths: [Int] = seqGANFilterWidths, filterCounts: [Int] = seqGANFilterCounts,
                dropoutProbability: Float = 0.25) {
        self.vocabularySize = vocabularySize
        self.sequenceLength = sequenceLength
        self.embeddingSize = embeddingSize
        self.filterWidths = filterWidths
        self.filterCounts = filterCounts
        self.dropoutProbability = dropoutProbability
    }

    private enum CodingKeys: String, CodingKey {
        case vocabularySize, sequenceLength, embeddingSize, filterWidths, filterCounts, dropoutProbability
    }

    /// Decodes the fields, taking SeqGAN's default for each optional one that is absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            vocabularySize: try container.decode(Int.self, forKey: .vocabularySize),
            sequenceLength: try container.decode(Int.self, forKey: .sequenceLength),
            embeddingSize: try container.decodeIfPresent(Int.self, forKey: .embeddingSize) ?? 64,
            filterWidths: try container.decodeIfPresent([Int].self, forKey: .filterWidths) ?? Self.seqGANFilterWidths,
            filterCounts: try container.decodeIfPresent([Int].self, forKey: .filterCounts) ?? Self.seqGANFilterCounts,
            dropoutProbability: try container.decodeIfPresent(Float.self, forKey: .dropoutProbability) ?? 0.25)
    }

    /// The (width, count) pairs of the banks the discriminator builds: those with
    /// width ≤ `sequenceLength`, in order.
    public var usedFilters: [(width: Int, count: Int)] {
        zip(filterWidths, filterCounts).filter { $0.0 <= sequenceLength }.map { (width: $0.0, count: $0.1) }
    }

    /// Σ n_k over the banks used: the size of the pooled features and the highway layer.
    public var featureCount: Int { usedFilters.reduce(0) { $0 + $1.count } }

    /// Checks that every size is positive, the filter lists pair up, at least one width
    /// fits the sequence length, and the dropout probability is in [0, 1).
    public func validate() throws(CNNDiscriminatorConfigurationError) {
        for (field, value) in [("vocabularySize", vocabularySize), ("sequenceLength", sequenceLength),
                               ("embeddingSize", embeddingSize)] where value <= 0 {
            throw .notPositive(field: field, value: value)
        }
        if filterWidths.count != filterCounts.count {
            throw .filterListsDiffer(widths: filterWidths.count, counts: filterCounts.count)
        }
        for (index, (width, count)) in zip(filterWidths, filterCounts).enumerated() {
            if width <= 0 { throw .notPositive(field: "filterWidths[\(index)]", value: width) }
            if count <= 0 { throw .notPositive(field: "filterCounts[\(index)]", value: count) }
        }
        if usedFilters.isEmpty {
            throw .noFilterFits(sequenceLength: sequenceLength, smallestWidth: filterWidths.min())
        }
        if !(dropoutProbability >= 0 && dropoutProbability < 1) {
            throw .dropoutOutOfRange(dropoutProbability)
        }
    }
}

/// Why a `CNNDiscriminatorConfiguration` cannot build a discriminator.
public enum CNNDiscriminatorConfigurationError: Error, CustomStringConvertible, Equatable {
    /// A size that must be positive is not; `field` names it (`filterWidths[3]`).
    case notPositive(field: String, value: Int)
    /// `filterWidths` and `filterCounts` have different lengths.
    case filterListsDiffer(widths: Int, counts: Int)
    /// Every filter is wider than the sequences (or there are no filters).
    case noFilterFits(sequenceLength: Int, smallestWidth: Int?)
    /// The dropout probability is outside [0, 1).
    case dropoutOutOfRange(Float)

    /// A message naming the field at fault and what it must be.
    public var description: String {
        let prefix = "CNN discriminator configuration"
        switch self {
        case let .notPositive(field, value):
            return "\(prefix): \(field) must be positive, got \(value)"
        case let .filterListsDiffer(widths, counts):
            return "\(prefix): filterWidths has \(widths) entries but filterCounts has \(counts); give one count per width"
        case let .noFilterFits(length, smallest):
            if let smallest {
                return "\(prefix): no filter fits sequences of length \(length) (the narrowest is \(smallest) wide)"
            }
            return "\(prefix): filterWidths is empty"
        case let .dropoutOutOfRange(probability):
            return "\(prefix): dropoutProbability must be in [0, 1), got \(probability)"
        }
    }
}
