/// One line of `samples.jsonl`: a generated sample, the step it was generated at, and
/// its reward.
public struct SampleRecord: Equatable, Sendable {
    /// The step (completed iterations) whose rollout produced the sample.
    public var step: Int
    /// The prompt as text (empty for unconditional generation).
    public var prompt: String
    /// The generated text.
    public var completion: String
    /// The reward, or nil when the reward function gave no score.
    public var reward: Double?
    /// Anything else worth keeping (KL, references, token counts, reward parts), written
    /// after the fixed fields in key order.
    public var fields: [String: JSONValue]

    /// Creates a record.
    public init(step: Int, prompt: String, completion: String, reward: Double?, fields: [String: JSONValue] = [:]) {
        self.step = step
        self.prompt = prompt
        self.completion = completion
        self.reward = reward
        self.fields = fields
    }

    /// The line's object: `step`, `prompt`, `completion`, `reward` (null when missing),
    /// then `fields` in key order (a field named like a fixed one is left out).
    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("step", .integer(step)), ("prompt", .string(prompt)), ("completion", .string(completion)),
            ("reward", reward.map(JSONValue.number) ?? .null),
        ]
        for key in fields.keys.sorted() where !Self.fixedKeys.contains(key) {
            members.append((key, fields[key]!))
        }
        return .object(members)
    }

    static let fixedKeys: Set<String> = ["step", "prompt", "completion", "reward"]

    /// Reads a line's object: an integer `step`; `prompt` and `completion` as strings
    /// (empty if absent), `reward` as a number (nil if absent or null); the rest as fields.
    public init?(_ object: JSONValue) {
        guard let members = object.objectMembers, let step = object["step"]?.integerValue else { return nil }
        self.step = step
        prompt = object["prompt"]?.stringValue ?? ""
        completion = object["completion"]?.stringValue ?? ""
        reward = object["reward"]?.doubleValue
        fields = [:]
        for (key, value) in members where !Self.fixedKeys.contains(key) { fields[key] = value }
    }
}

/// The run's `samples.jsonl`: samples with their rewards, every few steps.
///
/// ```json
/// {"step":50,"prompt":"The movie was","completion":" a delight.","reward":0.93,"kl":1.2}
/// ```
public final class SamplesLog {
    /// The file.
    public let file: JSONLinesFile
    /// The file's path.
    public var path: String { file.path }

    /// Opens (or creates) the log at `path` for appending.
    public init(path: String) throws {
        file = try JSONLinesFile(path: path)
    }

    /// Appends one line.
    public func append(_ record: SampleRecord) throws {
        try file.append(record.jsonValue)
    }

    /// Appends one line per record.
    public func append(contentsOf records: [SampleRecord]) throws {
        for record in records { try append(record) }
    }

    /// Removes the lines after `step` (and a torn last line); see `JSONLinesFile`.
    @discardableResult
    public func truncate(afterStep step: Int) throws -> [SampleRecord] {
        try file.truncate(afterStep: step).compactMap(SampleRecord.init)
    }

    /// fsyncs the file.
    public func synchronize() throws { try file.synchronize() }

    /// The records of the log at `path` (a torn last line is ignored); a malformed line
    /// is passed to `malformed`, which by default throws it.
    public static func read(path: String, malformed: (RunError) throws -> Void = { throw $0 }) throws -> [SampleRecord] {
        try JSONLinesFile.read(path: path, malformed: malformed).compactMap { SampleRecord($0.object) }
    }
}
