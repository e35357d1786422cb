extension ConfigValueKind where Value == Float {
    /// A number in `range`, kept as `Float` (the precision of GenRL's tensors) and written
    /// back in its shortest form (`0.2`, not `0.20000000298023224`).
    public static func float(_ range: ConfigRange<Double> = .unbounded) -> Self {
        let number = ConfigValueKind<Double>.double(range)
        return Self(summary: number.summary, pluralSummary: number.pluralSummary, expectation: number.expectation,
                    decode: { value, context in number.decode(value, context).map { Float($0) } },
                    encode: { number.encode(Double("\($0)") ?? Double($0)) })
    }

    /// A number in `lower...upper`.
    public static func float(_ range: ClosedRange<Double>) -> Self { float(ConfigRange(range)) }
    /// A number in `lower..<upper`.
    public static func float(_ range: Range<Double>) -> Self { float(ConfigRange(range)) }
    /// A number `>= lower`.
    public static func float(_ range: PartialRangeFrom<Double>) -> Self { float(ConfigRange(range)) }
}

extension ConfigValueKind where Value == UInt64 {
    /// A non-negative integer, kept as `UInt64` (seeds).
    public static var seed: Self {
        let integer = ConfigValueKind<Int>.int(0...)
        return Self(summary: integer.summary, pluralSummary: integer.pluralSummary, expectation: integer.expectation,
                    decode: { value, context in integer.decode(value, context).map { UInt64($0) } },
                    encode: { integer.encode(Int($0)) })
    }
}
