/// The values a numeric configuration field accepts: an interval whose ends may each be
/// open, closed or absent. Swift's range literals convert to it (`1...` is `>= 1`,
/// `0...1` is `in [0, 1]`, `0..<1` is `in [0, 1)`); open lower ends are spelled
/// `.greaterThan(0)` or `.greaterThan(0, atMost: 1)` (`in (0, 1]`).
public struct ConfigRange<Bound: Comparable & Sendable>: Sendable {
    /// The lower end and whether it is included, or `nil` for no lower end.
    public var lower: (value: Bound, inclusive: Bool)?
    /// The upper end and whether it is included, or `nil` for no upper end.
    public var upper: (value: Bound, inclusive: Bool)?

    /// Creates a range from its two ends.
    public init(lower: (value: Bound, inclusive: Bool)?, upper: (value: Bound, inclusive: Bool)?) {
        self.lower = lower
        self.upper = upper
    }

    /// Every value.
    public static var unbounded: ConfigRange { ConfigRange(lower: nil, upper: nil) }

    /// `value > bound`.
    public static func greaterThan(_ bound: Bound) -> ConfigRange {
        ConfigRange(lower: (bound, false), upper: nil)
    }

    /// `bound < value <= upper`: `(bound, upper]`.
    public static func greaterThan(_ bound: Bound, atMost upper: Bound) -> ConfigRange {
        ConfigRange(lower: (bound, false), upper: (upper, true))
    }

    /// `bound < value < upper`: `(bound, upper)`.
    public static func greaterThan(_ bound: Bound, lessThan upper: Bound) -> ConfigRange {
        ConfigRange(lower: (bound, false), upper: (upper, false))
    }

    /// `value < bound`.
    public static func lessThan(_ bound: Bound) -> ConfigRange {
        ConfigRange(lower: nil, upper: (bound, false))
    }

    /// `lower...upper`.
    public init(_ range: ClosedRange<Bound>) {
        self.init(lower: (range.lowerBound, true), upper: (range.upperBound, true))
    }

    /// `lower..<upper`.
    public init(_ range: Range<Bound>) {
        self.init(lower: (range.lowerBound, true), upper: (range.upperBound, false))
    }

    /// `lower...`.
    public init(_ range: PartialRangeFrom<Bound>) {
        self.init(lower: (range.lowerBound, true), upper: nil)
    }

    /// `...upper`.
    public init(_ range: PartialRangeThrough<Bound>) {
        self.init(lower: nil, upper: (range.upperBound, true))
    }

    /// Whether `value` lies in the range.
    public func contains(_ value: Bound) -> Bool {
        if let lower, lower.inclusive ? value < lower.value : value <= lower.value { return false }
        if let upper, upper.inclusive ? value > upper.value : value >= upper.value { return false }
        return true
    }

    /// The range for messages, with `render` spelling a bound: `>= 1`, `> 0`, `< 1`,
    /// `in [0, 1]`, `in (0, 1]`; empty when unbounded.
    func describe(_ render: (Bound) -> String) -> String {
        switch (lower, upper) {
        case (nil, nil): return ""
        case (let lower?, nil): return (lower.inclusive ? ">= " : "> ") + render(lower.value)
        case (nil, let upper?): return (upper.inclusive ? "<= " : "< ") + render(upper.value)
        case (let lower?, let upper?):
            return "in \(lower.inclusive ? "[" : "(")\(render(lower.value)), "
                + "\(render(upper.value))\(upper.inclusive ? "]" : ")")"
        }
    }
}
