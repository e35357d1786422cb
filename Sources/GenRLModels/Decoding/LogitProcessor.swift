import Foundation
import GenRLTensor

/// Rewrites one row of next-token logits before a token is chosen: temperature, top-k,
/// top-p, a minimum length, or an action mask (NLPO). Setting a logit to −∞ removes the
/// token from the sampling distribution.
public protocol LogitProcessor: Sendable {
    /// Processes `row` (one sequence's logits over the vocabulary) in place.
    /// - Parameters:
    ///   - sequence: the row's index in the batch.
    ///   - generated: how many tokens this sequence has generated so far.
    ///   - tokens: the sequence so far (prompt and generated tokens).
    func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>)
}

/// A processor that follows the batch as it grows, for rules that need a model of their
/// own run in lockstep with the generator (NLPO's masking policy). Generation calls
/// `observe` with exactly the tokens it feeds the generator: first the shared prompt
/// prefix [B, P], then each new column [B, 1]; `process` is then called for the rows.
public protocol ObservingLogitProcessor: LogitProcessor {
    /// Starts following a batch of `batchSize` sequences.
    func begin(batchSize: Int)
    /// The generator was just fed `tokens`.
    func observe(_ tokens: IntTensor)
}

/// Divides the logits by a temperature τ: τ < 1 sharpens, τ > 1 flattens (softmax(x/τ)).
public struct TemperatureProcessor: LogitProcessor {
    /// The temperature τ (> 0).
    public let temperature: Float

    /// A processor dividing by `temperature`, which must be positive.
    public init(_ temperature: Float) {
        precondition(temperature > 0, "temperature must be positive, got \(temperature)")
        self.temperature = temperature
    }

    /// Multiplies every logit by 1/τ.
    public func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>) {
        let inverse = 1 / temperature
        for i in row.indices { row[i] *= inverse }
    }
}

/// Keeps the k largest logits (Fan et al. 2018); ties with the k-th value are kept, as
/// in Hugging Face's `TopKLogitsWarper`.
public struct TopKProcessor: LogitProcessor {
    /// How many of the largest logits stay (ties with the k-th included).
    public let k: Int

    /// A processor keeping the `k` (> 0) largest logits.
    public init(_ k: Int) {
        precondition(k > 0, "top-k needs k > 0, got \(k)")
        self.k = k
    }

    /// Sets every logit below the k-th largest to −∞ (nothing when k ≥ the vocabulary size).
    public func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>) {
        guard k < row.count else { return }
        let threshold = kthLargest(Array(row), k)
        for i in row.indices where row[i] < threshold { row[i] = -.infinity }
    }
}

/// Nucleus sampling (Holtzman et al. 2020): keeps the smallest set of most likely tokens
/// whose probability reaches p — tokens are kept in order of decreasing probability while
/// the mass before them is below p — and always at least one.
public struct TopPProcessor: LogitProcessor {
    /// The probability mass p in (0, 1] to keep (1: everything).
    public let p: Float

    /// A processor keeping mass `p`, which must lie in (0, 1].
    public init(_ p: Float) {
        precondition(p > 0 && p <= 1, "top-p needs p in (0, 1], got \(p)")
        self.p = p
    }

    /// Sets the logits outside the nucleus to −∞; ties in probability are broken by the lower token id.
    public func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>) {
        guard p < 1, let base = row.baseAddress else { return }
        let lse = RowKernels.logSumExp(base, count: row.count)
        let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
        var mass: Float = 0
        var keep = 0
        for index in order {
            if mass >= p && keep > 0 { break }
            mass += Foundation.exp(row[index] - lse)
            keep += 1
        }
        for index in order[keep...] { row[index] = -.infinity }
    }
}

/// Forbids the end token until a sequence has generated `minimumTokens` tokens.
public struct MinimumLengthProcessor: LogitProcessor {
    /// Generated tokens before the end token is allowed.
    public let minimumTokens: Int
    /// The end token's id.
    public let endToken: Int

    /// A processor forbidding `endToken` for the first `minimumTokens` generated tokens.
    public init(minimumTokens: Int, endToken: Int) {
        self.minimumTokens = minimumTokens
        self.endToken = endToken
    }

    /// Sets the end token's logit to −∞ while `generated < minimumTokens`.
    public func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>) {
        if generated < minimumTokens && endToken < row.count { row[endToken] = -.infinity }
    }
}

/// Removes tokens a rule forbids: the rule maps (sequence, tokens generated so far, the
/// tokens) to one flag per vocabulary entry; used for NLPO's action mask and for
/// constrained vocabularies. At least one token must stay.
public struct AllowedTokensProcessor: LogitProcessor {
    /// For (sequence, generated, tokens so far), one flag per vocabulary entry: true where allowed.
    public let allowedTokens: @Sendable (_ sequence: Int, _ generated: Int, _ tokens: ArraySlice<Int32>) -> [Bool]

    /// A processor applying the rule `allowedTokens`.
    public init(_ allowedTokens: @escaping @Sendable (_ sequence: Int, _ generated: Int, _ tokens: ArraySlice<Int32>) -> [Bool]) {
        self.allowedTokens = allowedTokens
    }

    /// Sets the logits of the tokens the rule forbids to −∞; the rule's mask must cover the vocabulary.
    public func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>) {
        let allowed = allowedTokens(sequence, generated, tokens)
        precondition(allowed.count == row.count, "AllowedTokensProcessor: mask of \(allowed.count) for \(row.count) tokens")
        for i in row.indices where !allowed[i] { row[i] = -.infinity }
    }
}

/// The k-th largest value of `values` (1-based k ≤ count), by quickselect.
func kthLargest(_ values: [Float], _ k: Int) -> Float {
    var a = values
    var low = 0, high = a.count - 1
    let target = k - 1
    while low < high {
        let pivot = a[(low + high) / 2]
        var i = low, j = high
        while i <= j {
            while a[i] > pivot { i += 1 }
            while a[j] < pivot { j -= 1 }
            if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
        }
        if target <= j { high = j } else if target >= i { low = i } else { break }
    }
    return a[target]
}
