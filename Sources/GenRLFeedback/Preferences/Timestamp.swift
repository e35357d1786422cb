import Foundation

/// Times of labels as text: ISO 8601 in UTC with milliseconds, `2025-03-01T12:30:05.250Z`,
/// the form both the store and the JSON-lines files use.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
    private static let wholeSeconds = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)

    /// `date` rounded to the millisecond, as text.
    public static func format(_ date: Date) -> String {
        style.format(roundedToMilliseconds(date))
    }

    /// Reads an ISO 8601 time with or without fractional seconds; nil when it is not one.
    public static func parse(_ text: String) -> Date? {
        (try? style.parse(text)) ?? (try? wholeSeconds.parse(text))
    }

    /// `date` rounded to the millisecond (what survives a round trip through text).
    public static func roundedToMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
