import Foundation

/// A function applied to every terminal score of a reward (see `TransformedReward`).
///
/// The three sigmoids are REINVENT 4's score transformations, reproduced from
/// `reinvent/scoring/transforms/sigmoids.py`, `double_sigmoid.py` and
/// `sigmoid_functions.py` (MolecularAI/REINVENT4, read at commit 4309467), with their
/// parameter names. All use base-10 logistic curves:
///
///     σ₁₀(h) = 1 / (1 + 10^(−h))
///
/// REINVENT computes in 32-bit floats; GenRL computes the same formulas in `Double`.
/// Encoded (`Codable`) with REINVENT's names: `sigmoid`, `reverse_sigmoid`,
/// `double_sigmoid` with `low`, `high`, `k`, `coef_div`, `coef_si`, `coef_se`.
public enum ScoreTransform: Sendable, Equatable, Codable {
    /// `min(max(s, lower), upper)`.
    case clip(lower: Double, upper: Double)
    /// `scale · s + shift`.
    case affine(scale: Double, shift: Double)
    /// REINVENT's `sigmoid`: rises from 0 to 1, with value 0.5 at the midpoint
    /// `(low + high) / 2`; `k` sets the steepness relative to the width `high − low`:
    ///
    ///     s ↦ σ₁₀( 10 k (s − (low + high)/2) / (high − low) )
    ///
    /// With `k = 0.5` (a common REINVENT choice) the curve goes from ≈0.003 at `low` to
    /// ≈0.997 at `high`. When `high == low` it is REINVENT's hard step:
    /// `1` if `k · (s − low) > 0`, else `0` (so 0 at the midpoint itself).
    case sigmoid(low: Double, high: Double, k: Double)
    /// REINVENT's `reverse_sigmoid`: `1 − sigmoid(s; low, high, k)`, falling from 1 to 0
    /// (for a property that should be small, such as a length or a toxicity).
    case reverseSigmoid(low: Double, high: Double, k: Double)
    /// REINVENT's `double_sigmoid`: a plateau between `low` and `high`, 0.5 at `low` and
    /// at `high`, rising before `low` and falling after `high` towards 0. The plateau
    /// reaches ≈1 when `high − low` is wide compared with `coef_div / coef_si` and
    /// `coef_div / coef_se` (with the defaults, for `low = 2`, `high = 8` the centre
    /// scores 0.99997). With the centre `c = low + (high − low)/2`:
    ///
    ///     s <  c:  σ₁₀( (coef_si / coef_div) · (s − low) )
    ///     s ≥ c:  1 − σ₁₀( (coef_se / coef_div) · (s − high) )
    ///
    /// REINVENT's defaults: `coef_div = 100`, `coef_si = coef_se = 150`. When
    /// `coef_div == 0`, each side is a hard step: `coef_si · (s − low) > 0 ? 1 : 0` on
    /// the left and `1 − (coef_se · (s − high) > 0 ? 1 : 0)` on the right.
    case doubleSigmoid(low: Double, high: Double, coefDiv: Double = 100, coefSi: Double = 150, coefSe: Double = 150)
    /// `(s − mean) / (std + epsilon)` with the running mean and population standard
    /// deviation of every score seen so far, this batch included (see `RunningMoments`).
    case runningNormalization(epsilon: Double = 1e-8)

    /// The transform of one score. `.runningNormalization` uses `moments`, which the
    /// caller keeps up to date; the others ignore it.
    public func apply(_ score: Double, moments: RunningMoments = RunningMoments()) -> Double {
        switch self {
        case let .clip(lower, upper):
            return min(max(score, lower), upper)
        case let .affine(scale, shift):
            return scale * score + shift
        case let .sigmoid(low, high, k):
            return Self.reinventSigmoid(score, low: low, high: high, k: k)
        case let .reverseSigmoid(low, high, k):
            return 1 - Self.reinventSigmoid(score, low: low, high: high, k: k)
        case let .doubleSigmoid(low, high, coefDiv, coefSi, coefSe):
            let centre = (high - low) / 2 + low
            if score < centre {
                let offset = score - low
                return coefDiv == 0 ? Self.step(coefSi * offset) : Self.logistic10(coefSi / coefDiv * offset)
            }
            let offset = score - high
            return 1 - (coefDiv == 0 ? Self.step(coefSe * offset) : Self.logistic10(coefSe / coefDiv * offset))
        case let .runningNormalization(epsilon):
            return moments.normalize(score, epsilon: epsilon)
        }
    }

    /// Why the parameters cannot be used, or `nil` if they can.
    func problem() -> String? {
        let parameters: [Double]
        switch self {
        case let .clip(lower, upper):
            if lower > upper { return "clip needs lower ≤ upper, got lower \(lower) and upper \(upper)" }
            parameters = [lower, upper]
        case let .affine(scale, shift): parameters = [scale, shift]
        case let .sigmoid(low, high, k), let .reverseSigmoid(low, high, k): parameters = [low, high, k]
        case let .doubleSigmoid(low, high, coefDiv, coefSi, coefSe): parameters = [low, high, coefDiv, coefSi, coefSe]
        case let .runningNormalization(epsilon):
            if !(epsilon > 0) || !epsilon.isFinite { return "running normalization needs epsilon > 0, got \(epsilon)" }
            parameters = [epsilon]
        }
        if let bad = parameters.first(where: { !$0.isFinite }) { return "transform \(self) has the non-finite parameter \(bad)" }
        return nil
    }

    /// REINVENT's `Sigmoid` before the optional reversal.
    private static func reinventSigmoid(_ score: Double, low: Double, high: Double, k: Double) -> Double {
        let offset = score - (high + low) / 2
        if high - low == 0 { return step(10 * k * offset) }
        return logistic10(10 * k / (high - low) * offset)
    }

    /// `1 / (1 + 10^(−h))`, evaluated without overflow for large |h| (REINVENT's
    /// `stable_sigmoid` with `base_10`).
    private static func logistic10(_ h: Double) -> Double {
        let exponent = h * M_LN10
        if exponent >= 0 { return 1 / (1 + exp(-exponent)) }
        let power = exp(exponent)
        return power / (1 + power)
    }

    /// REINVENT's `hard_sigmoid`: 1 for a positive argument, else 0.
    private static func step(_ h: Double) -> Double { h > 0 ? 1 : 0 }

    enum CodingKeys: String, CodingKey {
        case clip, affine, sigmoid
        case reverseSigmoid = "reverse_sigmoid"
        case doubleSigmoid = "double_sigmoid"
        case runningNormalization = "running_normalization"
    }

    enum DoubleSigmoidCodingKeys: String, CodingKey {
        case low, high
        case coefDiv = "coef_div", coefSi = "coef_si", coefSe = "coef_se"
    }
}

/// A reward whose terminal scores go through a `ScoreTransform`; `nil` stays `nil`.
///
/// Per-step (dense) scores of the base reward pass through unchanged: transforms judge
/// finished sequences (to scale dense scores, give the reward a weight in a
/// `WeightedSumReward`).
///
/// For `.runningNormalization`, every non-`nil` score of a batch first updates the
/// running moments (in batch order), then the whole batch is normalised with the updated
/// moments, so the first batch is normalised by its own mean and deviation. Save
/// `normalizerState` in checkpoints and assign it back on resume; set
/// `updatesStatistics = false` to evaluate without moving the statistics.
public final class TransformedReward: ComponentReportingReward {
    /// The name (default: the base reward's name, so metrics keep their key).
    public let name: String
    /// The reward whose scores are transformed.
    public let base: any RewardFunction
    /// The transform.
    public let transform: ScoreTransform
    /// Whether scoring a batch updates the running moments (default true). Only
    /// `.runningNormalization` has statistics.
    public var updatesStatistics = true
    /// The running moments of the base scores seen so far (`.runningNormalization`
    /// only; stays empty for the other transforms). Assign a saved value to resume.
    public var normalizerState = RunningMoments()

    /// The base reward's component report, if it has one.
    public var lastComponentStatistics: [RewardComponentStatistics] { componentStatistics(of: base) }

    /// `base` with its terminal scores transformed.
    ///
    /// - Throws: `RewardError.invalidConfiguration` for a clip with `lower > upper`, a
    ///   non-finite parameter, or a normalisation epsilon that is not positive.
    public init(_ base: any RewardFunction, _ transform: ScoreTransform, name: String? = nil) throws(RewardError) {
        self.name = name ?? base.name
        self.base = base
        self.transform = transform
        if let problem = transform.problem() { throw .invalidConfiguration(reward: self.name, reason: problem) }
    }

    /// The base's scores with `transform` applied to every terminal score (per-step scores unchanged),
    /// after updating the running moments with the batch when `updatesStatistics`.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        var scores = try base.checkedScore(samples)
        if case .runningNormalization = transform, updatesStatistics {
            normalizerState.update(with: scores.terminal.compactMap { $0 })
        }
        let moments = normalizerState
        scores.terminal = scores.terminal.map { $0.map { transform.apply($0, moments: moments) } }
        return scores
    }
}
