import Foundation

/// An axis of a chart: the value range it spans and the round numbers it marks.
public struct ChartAxis: Sendable, Equatable {
    /// The value at the low end of the axis.
    public let lower: Double
    /// The value at the high end.
    public let upper: Double
    /// The marked values, inside [lower, upper].
    public let ticks: [Double]
    /// The distance between ticks (their labels show as many decimals as it needs).
    public let tickStep: Double

    /// A value axis over [minimum, maximum] widened to round tick values ("nice numbers",
    /// Heckbert, Graphics Gems 1990): steps of 1, 2, 2.5 or 5 × 10ᵏ, about `tickCount` ticks.
    /// A constant series gets a small range around its value.
    public static func rounded(minimum: Double, maximum: Double, tickCount: Int = 5) -> ChartAxis {
        var low = minimum, high = maximum
        if !(low.isFinite && high.isFinite) { (low, high) = (0, 1) }
        if high - low < max(abs(high), abs(low), 1e-300) * 1e-9 {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let step = niceStep((high - low) / Double(max(tickCount - 1, 1)))
        let lower = (low / step).rounded(.down) * step
        let upper = (high / step).rounded(.up) * step
        return ChartAxis(lower: lower, upper: upper, ticks: ticks(from: lower, to: upper, step: step), tickStep: step)
    }

    /// An axis spanning exactly [minimum, maximum] with round ticks inside it, about
    /// `tickCount` of them; `wholeNumbers` keeps the tick step at 1 or more (for steps,
    /// label counts). An empty or non-finite span becomes [minimum, minimum + 1].
    public static func exact(minimum: Double, maximum: Double, tickCount: Int = 6, wholeNumbers: Bool = false) -> ChartAxis {
        let lower = minimum.isFinite ? minimum : 0
        let upper = maximum.isFinite && maximum > lower ? maximum : lower + 1
        var step = niceStep((upper - lower) / Double(max(tickCount - 1, 1)))
        if wholeNumbers { step = max(1, step) }
        let firstTick = (lower / step).rounded(.up) * step
        return ChartAxis(lower: lower, upper: upper, ticks: ticks(from: firstTick, to: upper, step: step), tickStep: step)
    }

    /// The smallest of 1, 2, 2.5, 5, 10 × 10ᵏ that is at least `rough`.
    public static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = Foundation.pow(10, (Foundation.log10(rough)).rounded(.down))
        let fraction = rough / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    private static func ticks(from start: Double, to end: Double, step: Double) -> [Double] {
        var ticks: [Double] = []
        var index = 0.0
        while start + index * step <= end + step * 1e-9, ticks.count < 50 {
            let value = start + index * step
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            index += 1
        }
        return ticks
    }

    /// Where `value` falls, 0 at `lower` and 1 at `upper`.
    public func fraction(_ value: Double) -> Double {
        upper > lower ? (value - lower) / (upper - lower) : 0.5
    }

    /// The tick's label: as many decimals as the tick step needs; `12k`, `1.5M` for large
    /// values; scientific notation for tiny steps.
    public func label(_ value: Double) -> String {
        Self.format(value, step: tickStep)
    }

    /// `value` written with the decimals a multiple of `step` needs (see `label`).
    public static func format(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let largest = abs(value)
        if step < 1e-4 || largest >= 1e9 {
            return String(format: "%.\(max(0, significantDecimals(step / largest.magnitudeScale)))e", value)
                .replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
                .replacingOccurrences(of: "e+", with: "e")
        }
        if largest >= 10_000 {
            let (divisor, suffix) = largest >= 1_000_000 ? (1e6, "M") : (1e3, "k")
            return String(format: "%.\(significantDecimals(step / divisor))f", value / divisor) + suffix
        }
        return String(format: "%.\(significantDecimals(step))f", value)
    }

    /// The decimals that show multiples of `step` exactly (2.5 → 1, 0.25 → 2, 20 → 0).
    public static func significantDecimals(_ step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var decimals = max(0, Int((-Foundation.log10(step)).rounded(.up)))
        while decimals < 12, abs((step * Foundation.pow(10, Double(decimals))).rounded() - step * Foundation.pow(10, Double(decimals))) > 1e-6 {
            decimals += 1
        }
        return decimals
    }
}

private extension Double {
    /// 10^⌊log₁₀ |x|⌋ (1 for 0).
    var magnitudeScale: Double {
        self == 0 ? 1 : Foundation.pow(10, Foundation.log10(abs(self)).rounded(.down))
    }
}
