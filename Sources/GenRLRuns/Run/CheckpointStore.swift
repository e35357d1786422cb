import Foundation

/// The checkpoints of a run: `checkpoints/<step>/` directories written atomically, the
/// last `keepLast` kept.
///
/// Writing a checkpoint never leaves a directory named like a checkpoint that is not
/// complete:
/// 1. every file is written into `checkpoints/.writing-<step>-…`;
/// 2. every file and directory in it is fsynced;
/// 3. it is renamed to `checkpoints/<step>` (the rename is what makes it complete) and
///    `checkpoints/` is fsynced;
/// 4. only then are older checkpoints removed, each first renamed to `.deleting-…` so
///    that a removal cut short never leaves a partial `<step>` directory.
///
/// A process killed at any moment leaves at most hidden `.writing-`/`.deleting-`
/// leftovers, which `latest()` ignores and `recoverInterruptedWrites()` (run before
/// every write) removes. The store assumes it is the only writer of its directory.
public struct CheckpointStore: Sendable {
    /// The `checkpoints/` directory.
    public let directory: String
    /// How many complete checkpoints to keep (the ones with the highest steps); nil
    /// keeps all.
    public var keepLast: Int?

    /// A store over `directory` (created on the first write) keeping the last
    /// `keepLast` checkpoints (at least 1; nil keeps all).
    public init(directory: String, keepLast: Int? = 3) {
        precondition(keepLast.map { $0 >= 1 } ?? true, "keepLast must be at least 1")
        self.directory = directory
        self.keepLast = keepLast
    }

    static let writingPrefix = ".writing-"
    static let deletingPrefix = ".deleting-"
    static let replacedPrefix = ".replaced-"

    // MARK: - Finding checkpoints

    /// Every complete checkpoint, by increasing step.
    public func all() throws -> [Checkpoint] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.contents(of: directory).compactMap { name -> Checkpoint? in
            guard let step = Self.step(ofDirectoryName: name) else { return nil }
            let path = (directory as NSString).appendingPathComponent(name)
            return FileSystem.isDirectory(path) ? Checkpoint(step: step, path: path) : nil
        }.sorted { $0.step < $1.step }
    }

    /// The complete checkpoint with the highest step, if there is one.
    public func latest() throws -> Checkpoint? { try all().last }

    /// The complete checkpoint of `step`, if there is one.
    public func checkpoint(step: Int) throws -> Checkpoint? { try all().first { $0.step == step } }

    /// The step a directory name stands for: decimal digits only (`120`, not `.writing-120-…`).
    static func step(ofDirectoryName name: String) -> Int? {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(name)
    }

    // MARK: - Writing

    /// Writes the checkpoint of `step` from `files`, atomically (see the type's
    /// description), replacing an earlier checkpoint of the same step. Afterwards the
    /// checkpoints of later steps (left by a continuation that a resume abandoned) are
    /// removed, and of the rest only the last `keepLast` are kept.
    ///
    /// - Throws: `RunError.invalidCheckpointFileName`, a `RunError` for a failed file
    ///   operation, or whatever a file's writer throws; nothing of the new checkpoint is
    ///   left behind then, and the existing checkpoints are untouched.
    @discardableResult
    public func write(step: Int, files: [CheckpointFile]) throws -> Checkpoint {
        precondition(step >= 0, "a checkpoint step is not negative")
        try Self.validate(names: files.map(\.name))
        try FileSystem.makeDirectories(directory)
        try recoverInterruptedWrites()

        let suffix = "\(step)-\(FileSystem.temporarySuffix())"
        let temporary = (directory as NSString).appendingPathComponent(Self.writingPrefix + suffix)
        try FileSystem.makeDirectory(temporary)
        do {
            for file in files {
                try file.write((temporary as NSString).appendingPathComponent(file.name))
            }
            try Self.syncTree(temporary)
        } catch {
            try? FileSystem.removeTree(temporary)
            throw error
        }

        let final = (directory as NSString).appendingPathComponent(String(step))
        var replaced: String?
        if FileSystem.exists(final) {
            replaced = (directory as NSString).appendingPathComponent(Self.replacedPrefix + suffix)
            try FileSystem.renameItem(final, to: replaced!)
        }
        try FileSystem.renameItem(temporary, to: final)
        try FileSystem.syncPath(directory)
        if let replaced { try FileSystem.removeTree(replaced) }

        try removeCheckpoints(Self.stepsToRemove(after: step, existing: try all().map(\.step), keepLast: keepLast))
        return Checkpoint(step: step, path: final)
    }

    /// The steps that retention removes once `newStep` is written: every later step,
    /// then all but the last `keepLast` of the rest.
    static func stepsToRemove(after newStep: Int, existing: [Int], keepLast: Int?) -> [Int] {
        let later = existing.filter { $0 > newStep }
        let kept = existing.filter { $0 <= newStep }.sorted()
        let surplus = keepLast.map { Array(kept.dropLast($0)) } ?? []
        return later + surplus
    }

    /// Removes the checkpoints of `steps`: renames each away first, fsyncs the
    /// directory, then deletes the renamed directories.
    func removeCheckpoints(_ steps: [Int]) throws {
        guard !steps.isEmpty else { return }
        var doomed: [String] = []
        for step in steps {
            let path = (directory as NSString).appendingPathComponent(String(step))
            let away = (directory as NSString).appendingPathComponent(
                Self.deletingPrefix + "\(step)-\(FileSystem.temporarySuffix())")
            try FileSystem.renameItem(path, to: away)
            doomed.append(away)
        }
        try FileSystem.syncPath(directory)
        for path in doomed { try FileSystem.removeTree(path) }
    }

    /// Removes what interrupted writes and removals left (`.writing-…` and `.deleting-…`
    /// directories) and puts back a checkpoint that was being replaced when the writer
    /// died (`.replaced-<step>-…` with no `<step>`).
    ///
    /// - Returns: the names it removed or restored.
    @discardableResult
    public func recoverInterruptedWrites() throws -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        var handled: [String] = []
        for name in try FileSystem.contents(of: directory).sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            if name.hasPrefix(Self.writingPrefix) || name.hasPrefix(Self.deletingPrefix) {
                try FileSystem.removeTree(path)
                handled.append(name)
            } else if name.hasPrefix(Self.replacedPrefix) {
                let stepText = name.dropFirst(Self.replacedPrefix.count).prefix { $0 != "-" }
                let original = (directory as NSString).appendingPathComponent(String(stepText))
                if Self.step(ofDirectoryName: String(stepText)) != nil, !FileSystem.exists(original) {
                    try FileSystem.renameItem(path, to: original)
                } else {
                    try FileSystem.removeTree(path)
                }
                handled.append(name)
            }
        }
        if !handled.isEmpty { try FileSystem.syncPath(directory) }
        return handled
    }

    // MARK: - Helpers

    static func validate(names: [String]) throws {
        var seen: Set<String> = []
        for name in names {
            if name.isEmpty || name.hasPrefix(".") || name.contains("/") || !seen.insert(name).inserted {
                throw RunError.invalidCheckpointFileName(name)
            }
        }
    }

    /// fsyncs every file and directory under `root`, then `root` itself.
    static func syncTree(_ root: String) throws {
        var paths: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: root) {
            while let relative = enumerator.nextObject() as? String {
                paths.append((root as NSString).appendingPathComponent(relative))
            }
        }
        // Deepest first, so that each directory is synced after its entries.
        for path in paths.reversed() { try FileSystem.syncPath(path) }
        try FileSystem.syncPath(root)
    }
}
