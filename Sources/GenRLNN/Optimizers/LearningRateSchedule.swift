import Foundation

/// The learning rate as a function of the number of updates done.
///
/// `step` counts completed updates: the first update uses `learningRate(atStep: 0)`, as
/// a PyTorch scheduler before its first `scheduler.step()`. Set the optimizer's rate from
/// its own counter before each update:
///
///     optimizer.learningRate = schedule.learningRate(atStep: optimizer.stepCount)
///
/// Since the step count is part of the optimizer's saved state, a resumed run continues
/// the schedule where it stopped. Formulas are evaluated in Double, then rounded to Float.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for the update that follows `step` completed updates.
    func learningRate(atStep step: Int) -> Float
}

/// The same learning rate at every step.
public struct ConstantSchedule: LearningRateSchedule, Equatable {
    /// The learning rate.
    public var value: Float

    /// A schedule that always gives `value`.
    public init(_ value: Float) { self.value = value }

    /// The formula above at `step`.
    public func learningRate(atStep step: Int) -> Float { value }
}

/// The learning rate multiplied by γ every N steps, as `torch.optim.lr_scheduler.StepLR`:
///
///     η(s) = η₀ · γ^⌊s / N⌋
public struct StepDecaySchedule: LearningRateSchedule, Equatable {
    /// The initial learning rate η₀.
    public var initial: Float
    /// The factor γ applied every `interval` steps (PyTorch's default 0.1).
    public var gamma: Float
    /// The number of steps N between decays (`step_size` in PyTorch).
    public var interval: Int

    /// η₀ = `initial`, multiplied by `gamma` every `interval` steps.
    public init(initial: Float, gamma: Float = 0.1, interval: Int) {
        precondition(interval > 0, "StepDecaySchedule: interval \(interval) must be positive")
        precondition(gamma >= 0, "StepDecaySchedule: gamma \(gamma) must be non-negative")
        self.initial = initial
        self.gamma = gamma
        self.interval = interval
    }

    /// The formula above at `step`.
    public func learningRate(atStep step: Int) -> Float {
        let decays = Swift.max(step, 0) / interval
        return Float(Double(initial) * Foundation.pow(Double(gamma), Double(decays)))
    }
}

/// Linear warm-up from 0 to the peak over W steps, then linear decay to a minimum at step
/// T, where it stays (Hugging Face transformers' `get_linear_schedule_with_warmup` when
/// the minimum is 0):
///
///     η(s) = η_peak · s / W                                         for s < W
///     η(s) = η_min + (η_peak − η_min) · max(0, (T − s) / max(1, T − W))   for s ≥ W
public struct LinearWarmupDecaySchedule: LearningRateSchedule, Equatable {
    /// The learning rate at the end of the warm-up, η_peak.
    public var peak: Float
    /// Warm-up steps W (0 starts at the peak).
    public var warmupSteps: Int
    /// The step T at which the decay reaches the minimum.
    public var totalSteps: Int
    /// The learning rate η_min from step T on (default 0).
    public var minimum: Float

    /// Warm-up to `peak` over `warmupSteps`, linear decay to `minimum` at `totalSteps`.
    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minimum: Float = 0) {
        precondition(warmupSteps >= 0 && totalSteps >= warmupSteps,
                     "LinearWarmupDecaySchedule: need 0 ≤ warmupSteps (\(warmupSteps)) ≤ totalSteps (\(totalSteps))")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimum = minimum
    }

    /// The formula above at `step`.
    public func learningRate(atStep step: Int) -> Float {
        if step < warmupSteps { return Float(Double(peak) * Double(step) / Double(warmupSteps)) }
        let remaining = Swift.max(0, Double(totalSteps - step) / Double(Swift.max(1, totalSteps - warmupSteps)))
        return Float(Double(minimum) + (Double(peak) - Double(minimum)) * remaining)
    }
}

/// Linear warm-up from 0 to the peak over W steps, then a cosine decay to a minimum at
/// step T, where it stays (transformers' `get_cosine_schedule_with_warmup`; with a
/// minimum, `get_cosine_with_min_lr_schedule_with_warmup`):
///
///     η(s) = η_peak · s / max(1, W)                                       for s < W
///     p    = min(1, (s − W) / max(1, T − W))
///     η(s) = η_min + (η_peak − η_min) · max(0, ½(1 + cos(2π·c·p)))          for s ≥ W
///
/// with c = 0.5 cycles by default (one half-cosine from the peak to the minimum). Unlike
/// transformers, p stops at 1, so a run longer than T stays at the minimum instead of
/// climbing the next half-cosine.
public struct CosineWarmupDecaySchedule: LearningRateSchedule, Equatable {
    /// The learning rate at the end of the warm-up, η_peak.
    public var peak: Float
    /// Warm-up steps W (0 starts at the peak).
    public var warmupSteps: Int
    /// The step T at which the decay ends.
    public var totalSteps: Int
    /// Number of cosine cycles c over the decay (0.5: peak down to the minimum).
    public var cycles: Double
    /// The learning rate η_min at the bottom of the cosine (default 0).
    public var minimum: Float

    /// Warm-up to `peak` over `warmupSteps`, cosine decay to `minimum` at `totalSteps`.
    public init(peak: Float, warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5, minimum: Float = 0) {
        precondition(warmupSteps >= 0 && totalSteps >= warmupSteps,
                     "CosineWarmupDecaySchedule: need 0 ≤ warmupSteps (\(warmupSteps)) ≤ totalSteps (\(totalSteps))")
        precondition(cycles > 0, "CosineWarmupDecaySchedule: cycles \(cycles) must be positive")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.cycles = cycles
        self.minimum = minimum
    }

    /// The formula above at `step`.
    public func learningRate(atStep step: Int) -> Float {
        if step < warmupSteps { return Float(Double(peak) * Double(step) / Double(Swift.max(1, warmupSteps))) }
        let progress = Swift.min(1, Double(step - warmupSteps) / Double(Swift.max(1, totalSteps - warmupSteps)))
        let factor = Swift.max(0, 0.5 * (1 + Foundation.cos(Double.pi * cycles * 2 * progress)))
        return Float(Double(minimum) + (Double(peak) - Double(minimum)) * factor)
    }
}
