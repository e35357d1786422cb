/// The coefficient β of the KL penalty, fixed or adapted toward a target KL.
///
/// Adaptive control (Ziegler et al. 2019, "Fine-tuning language models from human
/// preferences", §2.2): after each batch with mean sequence KL `current`,
///
///   e = clip(current / target − 1, −0.2, 0.2),   β ← β · (1 + e · n / horizon)
///
/// where n is the number of samples in the batch; the paper's K_β = n / horizon = 0.1.
/// TRL's defaults: initial β 0.2, target 6 nats, horizon 10 000.
public struct KLController: Codable, Sendable, Equatable {
    /// Fixed or adaptive.
    public enum Mode: Codable, Sendable, Equatable {
        /// β never changes.
        case fixed
        /// β moves so that the batch's mean sequence KL approaches `target` nats.
        case adaptive(target: Double, horizon: Double)
    }

    /// The current coefficient β.
    public private(set) var coefficient: Double
    /// Fixed or adaptive.
    public let mode: Mode

    /// A controller starting at β = `coefficient` (must be ≥ 0).
    public init(coefficient: Double, mode: Mode = .fixed) {
        precondition(coefficient >= 0, "KL coefficient must be non-negative, got \(coefficient)")
        self.coefficient = coefficient
        self.mode = mode
    }

    /// Updates β after a batch of `sampleCount` sequences whose mean summed KL was `currentKL`.
    public mutating func update(currentKL: Double, sampleCount: Int) {
        guard case .adaptive(let target, let horizon) = mode, target > 0 else { return }
        let error = min(max(currentKL / target - 1, -0.2), 0.2)
        coefficient *= 1 + error * Double(sampleCount) / horizon
    }
}
