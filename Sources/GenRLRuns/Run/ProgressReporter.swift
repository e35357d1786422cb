import Foundation

/// A metric the progress line shows: its short label and its key in the step's metrics.
public struct ProgressMetric: Equatable, Sendable {
    /// The label (`reward`).
    public var label: String
    /// The metrics key (`reward/mean`).
    public var key: String

    /// Creates a shown metric.
    public init(_ label: String, key: String) {
        self.label = label
        self.key = key
    }

    /// Mean reward and mean KL to the reference (`reward/mean`, `kl/mean`).
    public static let rewardAndKL = [ProgressMetric("reward", key: "reward/mean"), ProgressMetric("kl", key: "kl/mean")]
}

/// Shows how training goes: step / total, steps per second, time left and a few metrics.
///
/// On a terminal it is one line redrawn in place (at most every `redrawInterval`
/// seconds, and always at the last step):
///
/// ```text
/// step 370/1000 ████████▊              37%  12.3 steps/s  0:51 left  reward 0.612  kl 0.0341
/// ```
///
/// Elsewhere (a log file, CI) it writes plain lines every `plainInterval` seconds (or
/// every `plainEverySteps` steps), plus the first and the last step:
///
/// ```text
/// step 370/1000 (37%)  12.3 steps/s  elapsed 0:30  left 0:51  reward 0.612  kl 0.0341
/// ```
///
/// Steps per second is the average since the reporter started, so a resumed run's rate
/// counts only its own steps.
public final class ProgressReporter {
    /// The last step of training.
    public let totalSteps: Int
    /// The step training started from (0, or the checkpoint's step on resume).
    public let startStep: Int
    /// The metrics shown, in order (absent ones are skipped).
    public var shownMetrics: [ProgressMetric]
    /// Minimum seconds between two redraws on a terminal.
    public var redrawInterval: Double = 0.1
    /// Seconds between two plain lines.
    public var plainInterval: Double = 10
    /// If set, also a plain line every this many steps.
    public var plainEverySteps: Int?

    private let output: any ProgressOutput
    private let clock: @Sendable () -> Double
    private let startTime: Double
    private var lastWriteTime: Double?
    private var lastLine: String?
    private var lineIsOpen = false

    /// A reporter for steps `startStep+1 … totalSteps`, writing to `output` (standard
    /// error by default) and reading monotonic seconds from `clock`.
    public init(totalSteps: Int, startStep: Int = 0, shownMetrics: [ProgressMetric] = ProgressMetric.rewardAndKL,
                output: any ProgressOutput = StandardStreamOutput.standardError,
                clock: @escaping @Sendable () -> Double = MetricsLog.monotonicSeconds) {
        self.totalSteps = totalSteps
        self.startStep = startStep
        self.shownMetrics = shownMetrics
        self.output = output
        self.clock = clock
        startTime = clock()
    }

    /// Reports that `step` is done with `metrics`; writes if it is time to.
    public func update(step: Int, metrics: [String: Double] = [:]) {
        let now = clock()
        let isLast = step >= totalSteps
        if output.isTerminal {
            guard lastWriteTime == nil || isLast || now - lastWriteTime! >= redrawInterval else { return }
            let line = terminalLine(step: step, metrics: metrics, now: now)
            output.write("\r" + line + "\u{1B}[K")
            lineIsOpen = true
            lastLine = line
        } else {
            let everyStep = plainEverySteps.map { $0 > 0 && step % $0 == 0 } ?? false
            guard lastWriteTime == nil || isLast || everyStep || now - lastWriteTime! >= plainInterval else { return }
            output.write(plainLine(step: step, metrics: metrics, now: now) + "\n")
        }
        lastWriteTime = now
    }

    /// Writes a message on its own line without breaking the bar (on a terminal the bar
    /// is cleared, the message written, and the bar drawn again below it).
    public func message(_ text: String) {
        if output.isTerminal, lineIsOpen {
            output.write("\r\u{1B}[K" + text + "\n" + (lastLine.map { $0 + "\u{1B}[K" } ?? ""))
        } else {
            output.write(text + "\n")
        }
    }

    /// Ends the bar's line on a terminal (call once training stops).
    public func finish() {
        if output.isTerminal, lineIsOpen { output.write("\n") }
        lineIsOpen = false
    }

    // MARK: - Formatting

    /// The steps per second so far, nil before the first step is done.
    func rate(step: Int, now: Double) -> Double? {
        let done = step - startStep, elapsed = now - startTime
        return done > 0 && elapsed > 0 ? Double(done) / elapsed : nil
    }

    /// `step 370/1000 (37%)  12.3 steps/s  elapsed 0:30  left 0:51  reward 0.612  kl 0.0341`.
    public func plainLine(step: Int, metrics: [String: Double], now: Double) -> String {
        let rate = rate(step: step, now: now)
        var parts = ["step \(step)/\(totalSteps) (\(Self.percent(step: step, total: totalSteps)))",
                     Self.formatRate(rate),
                     "elapsed " + Self.formatDuration(now - startTime),
                     "left " + Self.timeLeft(step: step, total: totalSteps, rate: rate)]
        parts += metricParts(metrics)
        return parts.joined(separator: "  ")
    }

    /// The terminal line, fitted to the terminal's width: the bar shrinks (down to 10
    /// cells, then disappears), then the line is cut.
    public func terminalLine(step: Int, metrics: [String: Double], now: Double) -> String {
        let rate = rate(step: step, now: now)
        let head = "step \(step)/\(totalSteps)"
        let tail = ([Self.percent(step: step, total: totalSteps), Self.formatRate(rate),
                     Self.timeLeft(step: step, total: totalSteps, rate: rate) + " left"] + metricParts(metrics))
            .joined(separator: "  ")
        let width = max(20, (output.columns ?? 80) - 1)
        let barWidth = min(40, width - head.count - tail.count - 2)
        if barWidth >= 10 {
            return head + " " + Self.bar(fraction: Double(step) / Double(max(totalSteps, 1)), width: barWidth) + " " + tail
        }
        return String((head + "  " + tail).prefix(width))
    }

    private func metricParts(_ metrics: [String: Double]) -> [String] {
        shownMetrics.compactMap { shown in metrics[shown.key].map { "\(shown.label) \(Self.formatValue($0))" } }
    }

    /// A bar of `width` cells filled to `fraction` with eighth-cell resolution.
    static func bar(fraction: Double, width: Int) -> String {
        let eighths = Int((min(max(fraction, 0), 1) * Double(width * 8)).rounded(.down))
        let full = eighths / 8, partial = eighths % 8
        let partialBlocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let filled = String(repeating: "█", count: full) + partialBlocks[partial]
        return filled + String(repeating: " ", count: width - full - (partial > 0 ? 1 : 0))
    }

    /// `37%` (whole percent, rounded down so 100% means done).
    static func percent(step: Int, total: Int) -> String {
        "\(total > 0 ? min(100, max(0, step * 100 / total)) : 100)%"
    }

    /// `12.3 steps/s`, or `2.5 s/step` below one step per second, `– steps/s` if unknown.
    static func formatRate(_ rate: Double?) -> String {
        guard let rate, rate.isFinite, rate > 0 else { return "– steps/s" }
        if rate >= 1 { return String(format: rate >= 100 ? "%.0f steps/s" : "%.1f steps/s", rate) }
        return String(format: "%.1f s/step", 1 / rate)
    }

    /// The time left at `rate`, `–` if unknown.
    static func timeLeft(step: Int, total: Int, rate: Double?) -> String {
        guard let rate, rate > 0 else { return step >= total ? formatDuration(0) : "–" }
        return formatDuration(Double(max(0, total - step)) / rate)
    }

    /// `0:51`, `12:05`, `3:02:17` (seconds rounded to the nearest).
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let total = Int(max(0, seconds).rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, secs = total % 60
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }

    /// Four significant digits (`0.6123`, `-12.35`, `1.2e-05`, `nan`).
    static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return String(format: "%.4g", value)
    }
}
