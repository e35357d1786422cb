import Foundation

/// A reward for completions that match regular expressions (a format reward, as TRL's
/// `think_format_reward`): `terminal = (patterns matched) / (number of patterns)`, so 1
/// or 0 for a single pattern.
///
/// Patterns use ICU syntax (`NSRegularExpression`, close to Python's `re`). By default a
/// pattern matches anywhere in the completion (Python's `re.search`); with
/// `matchWholeCompletion` it must match the whole completion (`re.fullmatch`).
/// `.` matches newlines when `dotMatchesNewlines` (Python's `re.DOTALL`, default true,
/// since completions span lines).
public final class RegexReward: RewardFunction {
    /// The name (default `regex`).
    public let name: String
    /// The patterns, as given.
    public let patterns: [String]
    /// Whether a pattern must cover the whole completion (default false).
    public let matchWholeCompletion: Bool

    private let expressions: [NSRegularExpression]

    /// A regular-expression reward.
    ///
    /// - Throws: `RewardError.invalidConfiguration` naming the first pattern that does not
    ///   compile, or when there is no pattern.
    public init(patterns: [String], matchWholeCompletion: Bool = false, caseInsensitive: Bool = false,
                dotMatchesNewlines: Bool = true, name: String = "regex") throws(RewardError) {
        guard !patterns.isEmpty else { throw .invalidConfiguration(reward: name, reason: "needs at least one pattern") }
        var options: NSRegularExpression.Options = []
        if caseInsensitive { options.insert(.caseInsensitive) }
        if dotMatchesNewlines { options.insert(.dotMatchesLineSeparators) }
        var expressions: [NSRegularExpression] = []
        for pattern in patterns {
            do {
                // \A(?:…)\z makes the engine backtrack until the whole text is covered.
                let source = matchWholeCompletion ? "\\A(?:\(pattern))\\z" : pattern
                expressions.append(try NSRegularExpression(pattern: source, options: options))
            } catch {
                throw .invalidConfiguration(reward: name, reason: "invalid regular expression '\(pattern)'")
            }
        }
        self.name = name
        self.patterns = patterns
        self.matchWholeCompletion = matchWholeCompletion
        self.expressions = expressions
    }

    /// A reward for one pattern: 1 if the completion matches it, else 0.
    public convenience init(pattern: String, matchWholeCompletion: Bool = false, caseInsensitive: Bool = false,
                            dotMatchesNewlines: Bool = true, name: String = "regex") throws(RewardError) {
        try self.init(patterns: [pattern], matchWholeCompletion: matchWholeCompletion, caseInsensitive: caseInsensitive,
                      dotMatchesNewlines: dotMatchesNewlines, name: name)
    }

    /// The share of the patterns each completion matches, in [0, 1].
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: samples.map { sample in
            let text = sample.completion
            let whole = NSRange(text.startIndex..<text.endIndex, in: text)
            let matched = expressions.filter { $0.firstMatch(in: text, range: whole) != nil }.count
            return Double(matched) / Double(expressions.count)
        })
    }
}
