import Foundation
import GenRLRL

/// Writes each iteration's metrics as one JSON line (`{"step": 3, "gold/mean": 0.41, ...}`,
/// keys sorted) to a file, and optionally prints a short progress line every
/// `printInterval` iterations with the keys `printedKeys`.
public final class MetricsLog: TrainingCallback {
    /// The metrics.jsonl file.
    public let url: URL
    /// Print a progress line every this many steps (0: never).
    public let printInterval: Int
    /// The metrics shown in progress lines.
    public let printedKeys: [String]
    private let handle: FileHandle
    private let printer: (String) -> Void
    /// Every row written so far.
    public private(set) var rows: [[String: Double]] = []
    /// Steps already in `rows`, so a row logged by hand is not logged again by the trainer.
    private var loggedSteps = Set<Int>()

    /// Creates (truncating) the file at `url`.
    public init(url: URL, printInterval: Int = 10, printedKeys: [String] = [], printer: @escaping (String) -> Void = { print($0) }) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
        self.url = url
        self.printInterval = printInterval
        self.printedKeys = printedKeys
        self.printer = printer
    }

    deinit { try? handle.close() }

    /// Writes the iteration's metrics as a line.
    public func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws {
        try log(step: step, metrics: report.metrics)
    }

    /// Appends one row (merged into the existing row of the same step when there is one).
    public func log(step: Int, metrics: [String: Double]) throws {
        var row = metrics
        row["step"] = Double(step)
        if loggedSteps.contains(step), let index = rows.lastIndex(where: { $0["step"] == Double(step) }) {
            rows[index].merge(row) { _, new in new }
        } else {
            rows.append(row)
            loggedSteps.insert(step)
        }
        let finite = row.filter { $0.value.isFinite }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(finite)
        data.append(0x0A)
        try handle.write(contentsOf: data)
        if printInterval > 0 && step % printInterval == 0 && !printedKeys.isEmpty {
            let parts = printedKeys.compactMap { key in row[key].map { String(format: "%@ %.3f", key, $0) } }
            guard !parts.isEmpty else { return }
            printer("step \(step): " + parts.joined(separator: "  "))
        }
    }

    /// The rows of a metrics.jsonl file written by a `MetricsLog`.
    public static func read(contentsOf url: URL) throws -> [[String: Double]] {
        let data = try Data(contentsOf: url)
        return try data.split(separator: 0x0A).map { try JSONDecoder().decode([String: Double].self, from: Data($0)) }
    }

    /// The values of `key` with their steps, in order.
    public func series(_ key: String) -> [(step: Double, value: Double)] {
        rows.compactMap { row in row[key].flatMap { value in row["step"].map { ($0, value) } } }
    }
}
