import Foundation

/// The contents of `tokenizer.json`: everything needed to rebuild a tokenizer.
///
/// ```json
/// {
///   "format" : "genrl-tokenizer",
///   "version" : 1,
///   "kind" : "bpe",
///   "vocabulary" : [ "<pad>", "<bos>", "<eos>", "<unk>", "!", "\"", ... ],
///   "merges" : [ "Ġ t", "h e", ... ]
/// }
/// ```
///
/// `vocabulary` lists every token in id order (special tokens first). `merges` (BPE
/// only) lists the learned merges in the order they were learned, each as the two
/// merged tokens separated by one space, as GPT-2's `merges.txt` does. `lowercase`
/// (word tokenizer only) says whether text is lowercased before lookup.
public struct TokenizerFile: Sendable, Codable, Equatable {
    /// The file name a tokenizer is saved under beside a model: `tokenizer.json`.
    public static let defaultFileName = "tokenizer.json"
    /// The value of the `format` field, which marks the file as ours.
    public static let formatName = "genrl-tokenizer"
    /// The version of this layout that this code writes and reads.
    public static let currentVersion = 1

    /// Always `TokenizerFile.formatName`.
    public var format: String
    /// The layout version; `TokenizerFile.currentVersion` when written by this code.
    public var version: Int
    /// Which tokenizer the file describes.
    public var kind: TokenizerKind
    /// All tokens in id order.
    public var vocabulary: Vocabulary
    /// BPE merges in learning order, each "left right"; `nil` for other kinds.
    public var merges: [String]?
    /// Word tokenizer: whether text is lowercased; `nil` for other kinds.
    public var lowercase: Bool?

    /// A file description for a tokenizer of `kind`.
    public init(kind: TokenizerKind, vocabulary: Vocabulary, merges: [String]? = nil, lowercase: Bool? = nil) {
        self.format = TokenizerFile.formatName
        self.version = TokenizerFile.currentVersion
        self.kind = kind
        self.vocabulary = vocabulary
        self.merges = merges
        self.lowercase = lowercase
    }

    /// The tokenizer this file describes, of whichever kind it names.
    public func makeTokenizer() throws(TokenizerError) -> any Tokenizer {
        switch kind {
        case .character: return try CharacterTokenizer(file: self)
        case .word: return try WordTokenizer(file: self)
        case .smiles: return try SMILESTokenizer(file: self)
        case .bytePairEncoding: return try BPETokenizer(file: self)
        }
    }

    /// Loads whichever tokenizer the file at `url` describes (`url` may also be a
    /// directory holding `tokenizer.json`).
    public static func loadTokenizer(from url: URL) throws(TokenizerError) -> any Tokenizer {
        let file = try read(from: url)
        do {
            return try file.makeTokenizer()
        } catch {
            throw attachingPath(file.resolvedPath(of: url), to: error)
        }
    }

    /// Reads and parses `url` (or `url/tokenizer.json` if `url` is a directory).
    ///
    /// - Throws: `.unreadableFile` if it cannot be read, `.malformedFile` if it is not
    ///   valid JSON of this layout, names another format, or a newer version.
    public static func read(from url: URL) throws(TokenizerError) -> TokenizerFile {
        let fileURL = resolvedURL(url)
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch {
            throw .unreadableFile(path: fileURL.path, reason: error.localizedDescription)
        }
        let file: TokenizerFile
        do {
            file = try JSONDecoder().decode(TokenizerFile.self, from: data)
        } catch let error as TokenizerError {
            throw .malformedFile(path: fileURL.path, reason: error.description)
        } catch {
            throw .malformedFile(path: fileURL.path, reason: describe(error))
        }
        guard file.format == formatName else {
            throw .malformedFile(path: fileURL.path, reason: "format is '\(file.format)', expected '\(formatName)'")
        }
        guard file.version <= currentVersion else {
            throw .malformedFile(
                path: fileURL.path,
                reason: "version \(file.version) is newer than the supported version \(currentVersion)")
        }
        return file
    }

    /// Writes the file as pretty-printed JSON with sorted keys to `url` (or to
    /// `url/tokenizer.json` if `url` is an existing directory), atomically.
    public func write(to url: URL) throws(TokenizerError) {
        let fileURL = TokenizerFile.resolvedURL(url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(self)
            try data.write(to: fileURL, options: .atomic)
        } catch {
            throw .unwritableFile(path: fileURL.path, reason: error.localizedDescription)
        }
    }

    /// `url` itself, or `url/tokenizer.json` when `url` is an existing directory.
    static func resolvedURL(_ url: URL) -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent(defaultFileName)
        }
        return url
    }

    /// The path an error about the file read from `url` should name.
    func resolvedPath(of url: URL) -> String {
        TokenizerFile.resolvedURL(url).path
    }

    /// Replaces the "(in memory)" placeholder of errors raised by `init(file:)` with
    /// the path of the file that was read.
    static func attachingPath(_ path: String, to error: TokenizerError) -> TokenizerError {
        switch error {
        case .kindMismatch(_, let expected, let found):
            return .kindMismatch(path: path, expected: expected, found: found)
        case .invalidVocabulary(let reason), .invalidConfiguration(let reason):
            return .malformedFile(path: path, reason: reason)
        default:
            return error
        }
    }

    /// A short account of a JSON decoding error: what was wrong and where.
    private static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return error.localizedDescription }
        func location(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return path.isEmpty ? "" : " at '\(path.joined(separator: "."))'"
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)'\(location(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.debugDescription + location(context)
        @unknown default:
            return String(describing: decodingError)
        }
    }
}
