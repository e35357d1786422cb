/// How tokens are chosen during generation. Processors apply in Hugging Face's order:
/// minimum length, temperature, top-k, top-p, then any extra processors (NLPO's mask).
public struct DecodingConfiguration: Codable, Sendable, Equatable {
    /// Most tokens generated after the prompt (the end token included).
    public var maximumNewTokens: Int = 20
    /// Fewest tokens before the end token may be chosen (0: no minimum).
    public var minimumNewTokens: Int = 0
    /// Softmax temperature τ: 1 samples from the model as it is.
    public var temperature: Float = 1
    /// Keep only the k most likely tokens (nil: off).
    public var topK: Int? = nil
    /// Keep the most likely tokens up to probability mass p (nil: off).
    public var topP: Float? = nil
    /// Take the most likely token instead of sampling (temperature, top-k and top-p then
    /// do not change the choice).
    public var greedy: Bool = false
    /// Stop a sequence when it generates the end token.
    public var stopAtEndToken: Bool = true
    /// The end token's id.
    public var endToken: Int = Vocabulary.endID

    /// A configuration; every argument defaults to the field's default (plain sampling of 20 tokens).
    public init(maximumNewTokens: Int = 20, minimumNewTokens: Int = 0, temperature: Float = 1, topK: Int? = nil,
                topP: Float? = nil, greedy: Bool = false, stopAtEndToken: Bool = true, endToken: Int = Vocabulary.endID) {
        self.maximumNewTokens = maximumNewTokens
        self.minimumNewTokens = minimumNewTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.greedy = greedy
        self.stopAtEndToken = stopAtEndToken
        self.endToken = endToken
    }

    /// The processors this configuration implies, in order.
    public var processors: [any LogitProcessor] {
        var list: [any LogitProcessor] = []
        if minimumNewTokens > 0 { list.append(MinimumLengthProcessor(minimumTokens: minimumNewTokens, endToken: endToken)) }
        if temperature != 1 { list.append(TemperatureProcessor(temperature)) }
        if let topK { list.append(TopKProcessor(topK)) }
        if let topP, topP < 1 { list.append(TopPProcessor(topP)) }
        return list
    }
}
