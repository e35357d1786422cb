/// A learning-rate schedule as written in a configuration file, without the peak rate
/// (which belongs to the optimizer's settings).
///
/// Encoded as a keyed object with a `kind` and snake_case fields; fields with a default
/// may be left out:
///
///     { "kind": "constant" }
///     { "kind": "linear", "warmup_steps": 100, "total_steps": 10000, "minimum": 0 }
///     { "kind": "cosine", "warmup_steps": 100, "total_steps": 10000, "cycles": 0.5, "minimum": 0 }
///     { "kind": "step", "interval": 1000, "gamma": 0.1 }
///
/// Decoding rejects negative step counts, a total shorter than the warm-up, a
/// non-positive interval or cycle count, and a negative gamma or minimum, naming the field.
public enum LearningRateScheduleConfiguration: Codable, Sendable, Equatable {
    /// `ConstantSchedule`.
    case constant
    /// `LinearWarmupDecaySchedule` (minimum defaults to 0).
    case linear(warmupSteps: Int, totalSteps: Int, minimum: Float = 0)
    /// `CosineWarmupDecaySchedule` (cycles default to 0.5, minimum to 0).
    case cosine(warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5, minimum: Float = 0)
    /// `StepDecaySchedule` (gamma defaults to 0.1).
    case step(interval: Int, gamma: Float = 0.1)

    /// The schedule with `peakLearningRate` as its peak (initial rate for `constant` and
    /// `step`).
    public func schedule(peakLearningRate peak: Float) -> any LearningRateSchedule {
        switch self {
        case .constant:
            ConstantSchedule(peak)
        case .linear(let warmupSteps, let totalSteps, let minimum):
            LinearWarmupDecaySchedule(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, minimum: minimum)
        case .cosine(let warmupSteps, let totalSteps, let cycles, let minimum):
            CosineWarmupDecaySchedule(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, cycles: cycles, minimum: minimum)
        case .step(let interval, let gamma):
            StepDecaySchedule(initial: peak, gamma: gamma, interval: interval)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, warmupSteps = "warmup_steps", totalSteps = "total_steps", minimum, cycles, interval, gamma
    }

    /// Decodes the keyed form above, checking every field.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func check(_ valid: Bool, _ key: CodingKeys, _ message: String) throws {
            if !valid { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message) }
        }
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "constant":
            self = .constant
        case "linear", "cosine":
            let warmupSteps = try container.decode(Int.self, forKey: .warmupSteps)
            let totalSteps = try container.decode(Int.self, forKey: .totalSteps)
            let minimum = try container.decodeIfPresent(Float.self, forKey: .minimum) ?? 0
            try check(warmupSteps >= 0, .warmupSteps, "warmup_steps must be non-negative, not \(warmupSteps)")
            try check(totalSteps >= warmupSteps, .totalSteps, "total_steps (\(totalSteps)) must be at least warmup_steps (\(warmupSteps))")
            try check(minimum >= 0, .minimum, "minimum must be non-negative, not \(minimum)")
            if kind == "linear" {
                self = .linear(warmupSteps: warmupSteps, totalSteps: totalSteps, minimum: minimum)
            } else {
                let cycles = try container.decodeIfPresent(Double.self, forKey: .cycles) ?? 0.5
                try check(cycles > 0, .cycles, "cycles must be positive, not \(cycles)")
                self = .cosine(warmupSteps: warmupSteps, totalSteps: totalSteps, cycles: cycles, minimum: minimum)
            }
        case "step":
            let interval = try container.decode(Int.self, forKey: .interval)
            let gamma = try container.decodeIfPresent(Float.self, forKey: .gamma) ?? 0.1
            try check(interval > 0, .interval, "interval must be positive, not \(interval)")
            try check(gamma >= 0, .gamma, "gamma must be non-negative, not \(gamma)")
            self = .step(interval: interval, gamma: gamma)
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "unknown schedule kind \"\(kind)\" (constant, linear, cosine, step)")
        }
    }

    /// Encodes the keyed form above with every field written out.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant:
            try container.encode("constant", forKey: .kind)
        case .linear(let warmupSteps, let totalSteps, let minimum):
            try container.encode("linear", forKey: .kind)
            try container.encode(warmupSteps, forKey: .warmupSteps)
            try container.encode(totalSteps, forKey: .totalSteps)
            try container.encode(minimum, forKey: .minimum)
        case .cosine(let warmupSteps, let totalSteps, let cycles, let minimum):
            try container.encode("cosine", forKey: .kind)
            try container.encode(warmupSteps, forKey: .warmupSteps)
            try container.encode(totalSteps, forKey: .totalSteps)
            try container.encode(cycles, forKey: .cycles)
            try container.encode(minimum, forKey: .minimum)
        case .step(let interval, let gamma):
            try container.encode("step", forKey: .kind)
            try container.encode(interval, forKey: .interval)
            try container.encode(gamma, forKey: .gamma)
        }
    }
}
