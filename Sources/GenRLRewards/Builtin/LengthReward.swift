import Foundation

/// A reward for completions of a target length.
///
/// With `len` the completion's length in `unit` and `target` the target length:
/// - `.linear` (the default): `terminal = −|len − target| / target`, 0 at the target and
///   −1 at an empty completion, falling linearly on both sides;
/// - `.gaussian(width: w)`: `terminal = exp(−(len − target)² / (2 w²))`, 1 at the target,
///   about 0.61 at `target ± w`, in (0, 1].
public final class LengthReward: RewardFunction {
    /// What is counted.
    public enum Unit: String, Sendable, Codable, CaseIterable {
        /// Unicode code points (Python's `len(text)`).
        case characters
        /// Whitespace-separated words (Python's `len(text.split())`).
        case words
        /// The sample's `completionTokens` (the end token included when it was
        /// generated).
        case tokens
    }

    /// How the score falls off away from the target.
    public enum Shape: Sendable, Equatable, Codable {
        /// `−|len − target| / target`.
        case linear
        /// `exp(−(len − target)² / (2 width²))`.
        case gaussian(width: Double)
    }

    /// The name (default `length`).
    public let name: String
    /// The target length (> 0).
    public let targetLength: Double
    /// What is counted (default words).
    public let unit: Unit
    /// The shape (default linear).
    public let shape: Shape

    /// A length reward.
    ///
    /// - Throws: `RewardError.invalidConfiguration` when the target is not a positive
    ///   finite number or a Gaussian width is not positive.
    public init(targetLength: Double, unit: Unit = .words, shape: Shape = .linear, name: String = "length") throws(RewardError) {
        guard targetLength > 0, targetLength.isFinite else {
            throw .invalidConfiguration(reward: name, reason: "targetLength must be a positive number, got \(targetLength)")
        }
        if case let .gaussian(width) = shape, !(width > 0 && width.isFinite) {
            throw .invalidConfiguration(reward: name, reason: "the Gaussian width must be a positive number, got \(width)")
        }
        self.name = name
        self.targetLength = targetLength
        self.unit = unit
        self.shape = shape
    }

    /// The length of `sample` in `unit`.
    public func length(of sample: Sample) -> Int {
        switch unit {
        case .characters: return sample.completion.unicodeScalars.count
        case .words: return sample.completion.split(whereSeparator: \.isWhitespace).count
        case .tokens: return sample.completionTokens.count
        }
    }

    /// The length score of each completion (`.linear` or `.gaussian`, as above).
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: samples.map { sample in
            let difference = Double(length(of: sample)) - targetLength
            switch shape {
            case .linear: return -abs(difference) / targetLength
            case let .gaussian(width): return exp(-difference * difference / (2 * width * width))
            }
        })
    }
}
