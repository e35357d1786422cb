import GenRLTensor

/// A seeded split of samples into a training set and a validation set.
///
/// The samples are put in a random order drawn from `seed`; the first
/// `validationCount = round(validationFraction · n)` of that order (at least 1 when the
/// fraction is positive, at most n − 1) go to validation, the rest to training. Both
/// sets keep the samples in their original order. The same samples, fraction and seed
/// give the same split on every platform.
public struct CorpusSplit: Sendable {
    /// The training samples, in original order.
    public let train: [String]
    /// The validation samples, in original order.
    public let validation: [String]
    /// The original index of each training sample.
    public let trainIndices: [Int]
    /// The original index of each validation sample.
    public let validationIndices: [Int]

    /// Splits `samples`.
    ///
    /// - Parameters:
    ///   - validationFraction: the share held out for validation, in [0, 1).
    ///   - seed: the seed of the random order.
    /// - Throws: `CorpusError.invalidArgument` for a fraction outside [0, 1), or a
    ///   positive fraction with fewer than 2 samples.
    public init(samples: [String], validationFraction: Double, seed: UInt64) throws(CorpusError) {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw .invalidArgument("validationFraction must be in [0, 1), got \(validationFraction)")
        }
        var validationCount = 0
        if validationFraction > 0 {
            guard samples.count >= 2 else {
                throw .invalidArgument(
                    "cannot hold out a validation set from \(samples.count) sample(s); need at least 2")
            }
            let rounded = Int((validationFraction * Double(samples.count)).rounded())
            validationCount = min(max(rounded, 1), samples.count - 1)
        }
        var random = RandomGenerator(seed: seed)
        let order = random.permutation(samples.count)
        validationIndices = order.prefix(validationCount).sorted()
        trainIndices = order.dropFirst(validationCount).sorted()
        train = trainIndices.map { samples[$0] }
        validation = validationIndices.map { samples[$0] }
    }
}
