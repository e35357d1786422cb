import Foundation

/// How well predicted preference probabilities match outcomes, on held-out pairs.
///
/// Each pair has a predicted probability p that its first completion wins and an outcome
/// y: 1 (first preferred), 0 (second), or ½ (a tie). Ties count in the Brier score and
/// the log loss but not in accuracy and calibration, which need a winner.
public struct PreferenceCalibration: Codable, Sendable, Equatable {
    /// Pairs evaluated (ties included).
    public var pairs: Int
    /// Pairs with a winner.
    public var decidedPairs: Int
    /// Fraction of decided pairs whose winner has p > ½ (p = ½ counts half).
    public var accuracy: Double
    /// Mean (p − y)² over all pairs (Brier 1950); 0.25 for always answering ½.
    public var brierScore: Double
    /// Mean −y·log p − (1 − y)·log(1 − p) over all pairs (p clipped to [10⁻⁶, 1 − 10⁻⁶]).
    public var logLoss: Double
    /// Expected calibration error (Naeini et al. 2015; Guo et al. 2017) over decided pairs:
    /// confidences c = max(p, 1 − p) in `bins` equal-width bins over [½, 1],
    /// ECE = Σ_b (n_b / n)·|accuracy_b − mean confidence_b|.
    public var expectedCalibrationError: Double
    /// Number of confidence bins used for the ECE.
    public var bins: Int

    /// Evaluates predictions `probabilities` against `outcomes` (equal counts).
    public init(probabilities: [Double], outcomes: [Double], bins: Int = 10) {
        precondition(probabilities.count == outcomes.count, "PreferenceCalibration: \(probabilities.count) predictions, \(outcomes.count) outcomes")
        precondition(bins >= 1, "PreferenceCalibration: bins must be ≥ 1")
        pairs = probabilities.count
        self.bins = bins
        var brier = 0.0, logLoss = 0.0
        for (p, y) in zip(probabilities, outcomes) {
            brier += (p - y) * (p - y)
            let clipped = min(max(p, 1e-6), 1 - 1e-6)
            logLoss -= y * log(clipped) + (1 - y) * log(1 - clipped)
        }
        brierScore = pairs > 0 ? brier / Double(pairs) : 0
        self.logLoss = pairs > 0 ? logLoss / Double(pairs) : 0

        var binCount = [Double](repeating: 0, count: bins)
        var binCorrect = [Double](repeating: 0, count: bins)
        var binConfidence = [Double](repeating: 0, count: bins)
        var correct = 0.0, decided = 0
        for (p, y) in zip(probabilities, outcomes) where y != 0.5 {
            decided += 1
            let right = p == 0.5 ? 0.5 : ((p > 0.5) == (y > 0.5) ? 1 : 0)
            correct += right
            let confidence = max(p, 1 - p)
            let bin = min(Int((confidence - 0.5) * 2 * Double(bins)), bins - 1)
            binCount[bin] += 1
            binCorrect[bin] += right
            binConfidence[bin] += confidence
        }
        decidedPairs = decided
        accuracy = decided > 0 ? correct / Double(decided) : 0
        var ece = 0.0
        for b in 0..<bins where binCount[b] > 0 {
            ece += binCount[b] / Double(decided) * abs(binCorrect[b] / binCount[b] - binConfidence[b] / binCount[b])
        }
        expectedCalibrationError = ece
    }
}
