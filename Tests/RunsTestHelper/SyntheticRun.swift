import Foundation
import GenRLRuns

/// A made-up PPO run with curves shaped like a real one (reward rising and levelling off,
/// KL growing, entropy falling, a gradient spike) and samples that turn positive, for
/// looking at the report (scripts/report-screenshot.sh). Seeded: the same every time.
enum SyntheticRun {
    static let totalSteps = 300
    static let samplesEvery = 25

    /// Writes the run at `path` (replacing one there) and its report; returns the
    /// report's path.
    static func write(at path: String) throws -> String {
        let run = try RunDirectory.create(at: path, configText: configText, overwrite: true)
        var clockTime = 0.0
        let session = try run.startSession(keepLastCheckpoints: 2, clock: { 0 })
        var random = SplitMix64(seed: 7)
        for step in 1...totalSteps {
            clockTime += 0.42 + 0.08 * random.uniform()
            try session.metrics.append(step: step, metrics: metrics(step: step, random: &random), time: clockTime)
            if step == 1 || step % samplesEvery == 0 {
                try session.logSamples(samples(step: step, random: &random))
            }
        }
        return try session.writeReport()
    }

    static func metrics(step: Int, random: inout SplitMix64) -> [String: Double] {
        let t = Double(step) / Double(totalSteps)
        func noise(_ scale: Double) -> Double { scale * random.normal() }
        let progress = 1 / (1 + exp(-(t - 0.35) * 11))
        let rewardMean = 0.18 + 0.64 * progress + noise(0.035)
        let rewardStd = 0.31 - 0.13 * progress + noise(0.012)
        let kl = 4.6 * pow(t, 0.8) + noise(0.18)
        let entropy = 3.3 - 1.1 * progress + noise(0.04)
        var metrics: [String: Double] = [
            "reward/mean": rewardMean,
            "reward/std": rewardStd,
            "reward/min": rewardMean - 1.9 * rewardStd + noise(0.05),
            "reward/max": min(1, rewardMean + 1.6 * rewardStd + noise(0.03)),
            "kl/mean": max(0, kl),
            "kl/per_token": max(0, kl) / 24,
            "kl/coefficient": 0.2 * exp(-1.4 * t) + 0.02,
            "losses/policy": -0.012 + noise(0.009),
            "losses/value": 0.9 * exp(-4 * t) + 0.08 + abs(noise(0.03)),
            "losses/entropy": -entropy,
            "losses/total": -0.012 + 0.5 * (0.9 * exp(-4 * t) + 0.08) + noise(0.01),
            "policy/entropy": entropy,
            "policy/approx_kl": 0.004 + 0.01 * t + abs(noise(0.003)),
            "policy/clip_fraction": 0.06 + 0.12 * t + abs(noise(0.02)),
            "samples/length_mean": 21 - 5 * progress + noise(0.8),
            "gradients/norm": 0.8 + 0.3 * exp(-3 * t) + abs(noise(0.1)),
        ]
        if step == 37 { metrics["gradients/norm"] = 41.5 }
        return metrics
    }

    static let prompts = ["The movie was", "I watched it and", "Honestly, the plot", "The acting in this film",
                          "My friends said it was", "After the first hour,", "The soundtrack", "Overall, I think"]
    static let negative = [" boring and far too long.", " I walked out halfway through.", " made no sense at all.",
                           " felt wooden & forced; <nothing> worked.", " a waste of a good evening.", " dull, dull, dull."]
    static let neutral = [" fine, I guess.", " about what I expected.", " okay for a Tuesday night.",
                          " not bad, not great.", " a mix of good and bad moments."]
    static let positive = [" a delight from start to finish!", " wonderful — I laughed and cried.",
                           " the best I've seen this year.", " moving, funny and beautifully shot.",
                           " pure joy 🎬✨, go see it.", " \"brilliant\", as the critics said.",
                           " gripping <b>and</b> warm; 10/10."]

    static func samples(step: Int, random: inout SplitMix64) -> [SampleRecord] {
        let t = Double(step) / Double(totalSteps)
        let positiveChance = 0.1 + 0.8 / (1 + exp(-(t - 0.35) * 11))
        return (0..<16).map { index in
            let draw = random.uniform()
            let (pool, base): ([String], Double) = draw < positiveChance ? (positive, 0.85)
                : draw < positiveChance + 0.35 * (1 - positiveChance) ? (neutral, 0.5) : (negative, 0.1)
            var completion = pool[Int(random.uniform() * Double(pool.count))]
            if index == 5 && step == 1 { completion = " <script>alert('x')</script>\tand a tab, a bell \u{07}." }
            if index == 9 { completion += "\nA second line." }
            let reward = min(1, max(0, base + 0.08 * random.normal()))
            return SampleRecord(step: step, prompt: prompts[index % prompts.count], completion: completion,
                                reward: index == 11 && step == 1 ? nil : reward,
                                fields: ["kl": .number(4.6 * pow(t, 0.8) * (0.6 + 0.8 * random.uniform())),
                                         "tokens": .integer(completion.count / 4 + 3)])
        }
    }

    static let configText = """
        # GenRL run configuration (resolved: every default written out).
        algorithm = "ppo"
        seed = 7
        iterations = 300

        [model]
        # Policy weights (safetensors).
        checkpoint = "models/sentiment-gpt.safetensors"
        # Tokens generated per sample.
        max_new_tokens = 24

        [ppo]
        # Ratio clip range ε (Schulman et al. 2017: 0.2).
        clip_epsilon = 0.2
        # GAE λ (Schulman et al. 2016: 0.95).
        gae_lambda = 0.95
        epochs = 4

        [ppo.kl]
        # Initial β (Ziegler et al. 2019: 0.2).
        coefficient = 0.2
        adaptive = true
        target = 6.0

        [[reward]]
        type = "sentiment"
        weight = 1.0

        """
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
