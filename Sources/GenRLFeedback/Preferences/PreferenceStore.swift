import Foundation
import GRDB

/// Preference records in a SQLite database (through GRDB), one row per labelled
/// comparison:
///
///     CREATE TABLE preference (
///       id          INTEGER PRIMARY KEY AUTOINCREMENT,
///       prompt      TEXT NOT NULL,
///       completions TEXT NOT NULL,   -- JSON array of strings
///       label       TEXT NOT NULL,   -- JSON: {"choice": i} | {"tie": true} | {"ranking": [[...], ...]}
///       labeller    TEXT NOT NULL,
///       labelled_at TEXT NOT NULL,   -- ISO 8601, UTC, milliseconds
///       metadata    TEXT NOT NULL    -- JSON object of strings
///     )
///
/// Records are appended in transactions: a batch is validated first and written whole
/// or not at all, so a crash or a bad record never leaves half a batch in the file.
/// Ids grow with insertion order and are never reused.
public final class PreferenceStore: Sendable {
    /// The database file (":memory:" for an in-memory store).
    public let path: String
    private let queue: DatabaseQueue

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws(FeedbackError) {
        self.path = path
        do {
            queue = try DatabaseQueue(path: path)
            try Self.migrator.migrate(queue)
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// A store that lives in memory only (tests, throwaway experiments).
    public init() throws(FeedbackError) {
        path = ":memory:"
        do {
            queue = try DatabaseQueue()
            try Self.migrator.migrate(queue)
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: preference") { db in
            try db.execute(sql: """
                CREATE TABLE preference (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  prompt TEXT NOT NULL,
                  completions TEXT NOT NULL,
                  label TEXT NOT NULL,
                  labeller TEXT NOT NULL,
                  labelled_at TEXT NOT NULL,
                  metadata TEXT NOT NULL
                );
                CREATE INDEX preference_labeller ON preference(labeller);
                """)
        }
        return migrator
    }

    // MARK: Writing

    /// Appends `records` in one transaction and returns their new ids, in order. Every
    /// record is validated before anything is written; a record's own `id` is ignored.
    /// - Throws: `FeedbackError.invalidRecord` naming the first bad record (nothing is
    ///   written), or `.database`.
    @discardableResult
    public func append(_ records: [PreferenceRecord]) throws(FeedbackError) -> [Int64] {
        var rows: [StatementArguments] = []
        for (index, record) in records.enumerated() {
            do { try record.validate() } catch { throw .invalidRecord(index: index, reason: error.description) }
            do { rows.append(try Self.arguments(record)) } catch { throw .invalidRecord(index: index, reason: "\(error)") }
        }
        do {
            return try queue.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO preference (prompt, completions, label, labeller, labelled_at, metadata)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                var ids: [Int64] = []
                for arguments in rows {
                    try statement.execute(arguments: arguments)
                    ids.append(db.lastInsertedRowID)
                }
                return ids
            }
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// Appends one record; returns its id.
    @discardableResult
    public func append(_ record: PreferenceRecord) throws(FeedbackError) -> Int64 { try append([record])[0] }

    /// Removes every record (one transaction).
    public func removeAll() throws(FeedbackError) {
        do { try queue.write { db in try db.execute(sql: "DELETE FROM preference") } } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    // MARK: Reading

    /// The records in id order, optionally only those of one labeller, only those with an
    /// id above `afterID` (to read what was appended since), and at most `limit`.
    public func records(labeller: String? = nil, afterID: Int64? = nil, limit: Int? = nil) throws(FeedbackError) -> [PreferenceRecord] {
        var conditions: [String] = [], arguments: StatementArguments = []
        if let labeller { conditions.append("labeller = ?"); arguments += [labeller] }
        if let afterID { conditions.append("id > ?"); arguments += [afterID] }
        var sql = "SELECT * FROM preference"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id"
        if let limit { sql += " LIMIT \(max(limit, 0))" }
        let path = self.path
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in try Self.record(row, path: path) }
            }
        } catch let error as FeedbackError {
            throw error
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// Number of records.
    public func count() throws(FeedbackError) -> Int {
        do { return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM preference") ?? 0 } } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// Number of records of each labeller.
    public func labellerCounts() throws(FeedbackError) -> [String: Int] {
        do {
            return try queue.read { db in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT labeller, COUNT(*) AS n FROM preference GROUP BY labeller") {
                    counts[row["labeller"]] = row["n"]
                }
                return counts
            }
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    // MARK: JSON lines

    /// Appends every record of a JSON-lines file in one transaction (all or nothing);
    /// returns how many were read. See `PreferenceJSONLines` for the format.
    @discardableResult
    public func importJSONLines(from url: URL, defaultLabeller: String = "import",
                                defaultDate: Date = Date(timeIntervalSince1970: 0)) throws(FeedbackError) -> Int {
        let records = try PreferenceJSONLines.read(contentsOf: url, defaultLabeller: defaultLabeller, defaultDate: defaultDate)
        try append(records)
        return records.count
    }

    /// Writes every record (with its id) to a JSON-lines file; returns how many.
    @discardableResult
    public func exportJSONLines(to url: URL) throws(FeedbackError) -> Int {
        let all = try records()
        do { try PreferenceJSONLines.write(all, to: url) } catch {
            throw .database(path: path, reason: "cannot write \(url.path): \(error)")
        }
        return all.count
    }

    // MARK: Rows

    private static func arguments(_ record: PreferenceRecord) throws -> StatementArguments {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        return [record.prompt, try json(record.completions), try json(record.label), record.labeller,
                Timestamp.format(record.labelledAt), try json(record.metadata)]
    }

    private static func record(_ row: Row, path: String) throws -> PreferenceRecord {
        let id: Int64 = row["id"]
        func decode<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
            let text: String = row[column]
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
                throw FeedbackError.database(path: path, reason: "row \(id): column \(column) is not valid: \(text)")
            }
        }
        let dateText: String = row["labelled_at"]
        guard let date = Timestamp.parse(dateText) else {
            throw FeedbackError.database(path: path, reason: "row \(id): labelled_at is not an ISO 8601 time: \(dateText)")
        }
        return PreferenceRecord(id: id, prompt: row["prompt"], completions: try decode([String].self, "completions"),
                                label: try decode(PreferenceLabel.self, "label"), labeller: row["labeller"],
                                labelledAt: date, metadata: try decode([String: String].self, "metadata"))
    }
}
