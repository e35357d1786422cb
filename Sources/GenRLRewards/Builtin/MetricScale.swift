/// The scale on which a reference metric reward reports its score.
public enum MetricScale: String, Sendable, Codable, CaseIterable {
    /// 0–1: the metric's percentage divided by 100 (the default for rewards, on the same
    /// scale as ROUGE, a probability or a REINVENT component).
    case unit
    /// 0–100: the number sacreBLEU prints.
    case percent

    /// `percentage` on this scale.
    func scaled(_ percentage: Double) -> Double {
        switch self {
        case .unit: return percentage / 100
        case .percent: return percentage
        }
    }
}

extension Sample {
    /// The sample's references, or `RewardError.missingReferences` naming the sample.
    func requireReferences(for reward: String) throws(RewardError) -> [String] {
        guard !references.isEmpty else { throw .missingReferences(reward: reward, sample: index) }
        return references
    }
}
