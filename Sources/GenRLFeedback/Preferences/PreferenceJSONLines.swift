import Foundation

/// Preference records as JSON lines, one object per line (UTF-8, `\n` line ends):
///
///     {"id": 7, "prompt": "Good morrow,", "completions": [" sweet lord.", " villain!"],
///      "label": {"choice": 0}, "labeller": "simulated", "labelled_at": "2025-03-01T12:30:05.250Z",
///      "metadata": {"round": "2"}}
///
/// `id` and `metadata` are optional. Reading also accepts the pairwise layout of TRL's
/// preference datasets, `{"prompt": ..., "chosen": ..., "rejected": ...}`, as a choice of
/// the first of the two completions; `labeller` and `labelled_at` may then be missing
/// and take the defaults given to `decode`. Blank lines are skipped.
public enum PreferenceJSONLines {
    private struct Line: Codable {
        var id: Int64?
        var prompt: String?
        var completions: [String]?
        var label: PreferenceLabel?
        var chosen: String?
        var rejected: String?
        var labeller: String?
        var labelledAt: String?
        var metadata: [String: String]?

        enum CodingKeys: String, CodingKey {
            case id, prompt, completions, label, chosen, rejected, labeller, metadata
            case labelledAt = "labelled_at"
        }
    }

    /// The records as JSON-lines bytes, in order (keys sorted, so equal records give equal
    /// lines).
    public static func encode(_ records: [PreferenceRecord]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for record in records {
            let line = Line(id: record.id, prompt: record.prompt, completions: record.completions, label: record.label,
                            labeller: record.labeller, labelledAt: Timestamp.format(record.labelledAt),
                            metadata: record.metadata.isEmpty ? nil : record.metadata)
            data.append(try encoder.encode(line))
            data.append(0x0A)
        }
        return data
    }

    /// Reads every record of a JSON-lines file's bytes; `path` names the file in errors.
    /// Every record is validated (its label must fit its completions).
    ///
    /// - Parameters:
    ///   - defaultLabeller: the labeller of lines that name none (TRL's layout).
    ///   - defaultDate: the time of lines that give none.
    public static func decode(_ data: Data, path: String = "(in memory)", defaultLabeller: String = "import",
                              defaultDate: Date = Date(timeIntervalSince1970: 0)) throws(FeedbackError) -> [PreferenceRecord] {
        let decoder = JSONDecoder()
        var records: [PreferenceRecord] = []
        var lineNumber = 0
        for rawLine in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = rawLine
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            func fail(_ reason: String) -> FeedbackError { .invalidJSONLine(path: path, line: lineNumber, reason: reason) }
            let line: Line
            do {
                line = try decoder.decode(Line.self, from: Data(bytes))
            } catch let error as DecodingError {
                throw fail(Self.describe(error))
            } catch {
                throw fail("\(error)")
            }
            let completions: [String], label: PreferenceLabel
            switch (line.completions, line.label, line.chosen, line.rejected) {
            case (let c?, let l?, nil, nil):
                (completions, label) = (c, l)
            case (nil, nil, let chosen?, let rejected?):
                (completions, label) = ([chosen, rejected], .choice(0))
            default:
                throw fail("expected \"completions\" with \"label\", or \"chosen\" with \"rejected\"")
            }
            var date = defaultDate
            if let text = line.labelledAt {
                guard let parsed = Timestamp.parse(text) else { throw fail("\"labelled_at\" is not an ISO 8601 time: \(text)") }
                date = parsed
            }
            let record = PreferenceRecord(id: line.id, prompt: line.prompt ?? "", completions: completions, label: label,
                                          labeller: line.labeller ?? defaultLabeller, labelledAt: date,
                                          metadata: line.metadata ?? [:])
            do { try record.validate() } catch { throw fail(error.description) }
            records.append(record)
        }
        return records
    }

    /// Reads a JSON-lines file.
    public static func read(contentsOf url: URL, defaultLabeller: String = "import",
                            defaultDate: Date = Date(timeIntervalSince1970: 0)) throws(FeedbackError) -> [PreferenceRecord] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .invalidJSONLine(path: url.path, line: 0, reason: "cannot read the file: \(error.localizedDescription)")
        }
        return try decode(data, path: url.path, defaultLabeller: defaultLabeller, defaultDate: defaultDate)
    }

    /// Writes records to a JSON-lines file (replacing it).
    public static func write(_ records: [PreferenceRecord], to url: URL) throws {
        try encode(records).write(to: url, options: .atomic)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .dataCorrupted(let context): return "not a valid record\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context): return "expected \(type)\(path(context)), found null"
        @unknown default: return "\(error)"
        }
    }
}
