import Foundation

/// A corpus with one sample per line of a UTF-8 text file, as char-rnn, REINVENT's
/// SMILES files and most text datasets are laid out.
///
/// Reading rules:
/// - lines end at `\n`; a `\r` before it (Windows line ends) is removed, and a UTF-8
///   byte-order mark at the start of the file is skipped;
/// - blank lines (empty or only whitespace) are skipped; every other line is kept
///   exactly as written, leading and trailing spaces included;
/// - with `maximumLength`, lines longer than that many Unicode scalars (the unit of
///   `CharacterTokenizer`) are dropped, not cut;
/// - a line that is not valid UTF-8 stops reading with `CorpusError.invalidUTF8`,
///   naming the file, the line and the byte; a file without samples gives
///   `CorpusError.emptyFile`.
public struct LineCorpus: Sendable {
    /// Where the samples were read from ("(in memory)" when they were not).
    public let path: String
    /// The samples, in file order.
    public let samples: [String]
    /// The 1-based line of the file each sample was read from.
    public let lineNumbers: [Int]
    /// How many blank lines were skipped.
    public let blankLineCount: Int
    /// How many lines were dropped for being longer than `maximumLength`.
    public let overlongLineCount: Int

    /// Reads the samples of the UTF-8 text file at `url`.
    ///
    /// - Parameter maximumLength: drop lines longer than this many Unicode scalars;
    ///   `nil` keeps all.
    /// - Throws: `CorpusError.unreadableFile`, `.invalidUTF8`, `.emptyFile`,
    ///   `.noSampleWithinMaximumLength`.
    public init(contentsOf url: URL, maximumLength: Int? = nil) throws(CorpusError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: url.path, maximumLength: maximumLength)
    }

    /// Reads samples from the bytes of a text file; `path` names it in errors.
    public init(data: Data, path: String = "(in memory)", maximumLength: Int? = nil) throws(CorpusError) {
        if let maximumLength, maximumLength < 1 {
            throw .invalidArgument("maximumLength must be at least 1, got \(maximumLength)")
        }
        let bytes = [UInt8](data)
        var samples: [String] = []
        var lineNumbers: [Int] = []
        var blankLineCount = 0
        var overlongLineCount = 0
        var shortestOverlong = Int.max
        var lineStart = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lineNumber = 0
        while lineStart < bytes.count {
            lineNumber += 1
            let newline = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            var lineEnd = newline
            if lineEnd > lineStart, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = bytes[lineStart..<lineEnd]
            lineStart = newline + 1

            var scalarCount = 0
            var isBlank = true
            var byteColumn = 1
            var decoder = UTF8()
            var iterator = line.makeIterator()
            decoding: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar):
                    scalarCount += 1
                    byteColumn += UTF8.width(scalar)
                    if !scalar.properties.isWhitespace { isBlank = false }
                case .emptyInput:
                    break decoding
                case .error:
                    throw .invalidUTF8(path: path, line: lineNumber, byteColumn: byteColumn)
                }
            }
            if isBlank {
                blankLineCount += 1
            } else if let maximumLength, scalarCount > maximumLength {
                overlongLineCount += 1
                shortestOverlong = min(shortestOverlong, scalarCount)
            } else {
                samples.append(String(decoding: line, as: UTF8.self))
                lineNumbers.append(lineNumber)
            }
        }
        if samples.isEmpty {
            if overlongLineCount > 0, let maximumLength {
                throw .noSampleWithinMaximumLength(
                    path: path, maximumLength: maximumLength, shortestLength: shortestOverlong)
            }
            throw .emptyFile(path: path)
        }
        self.path = path
        self.samples = samples
        self.lineNumbers = lineNumbers
        self.blankLineCount = blankLineCount
        self.overlongLineCount = overlongLineCount
    }

    /// A corpus of samples already in memory, taken as they are (numbered from line 1).
    public init(samples: [String]) {
        self.path = "(in memory)"
        self.samples = samples
        self.lineNumbers = samples.indices.map { $0 + 1 }
        self.blankLineCount = 0
        self.overlongLineCount = 0
    }

    /// The number of samples.
    public var count: Int { samples.count }

    /// The sample at `index`.
    public subscript(index: Int) -> String { samples[index] }

    /// A seeded train/validation split of the samples (see `CorpusSplit`).
    public func split(validationFraction: Double, seed: UInt64) throws(CorpusError) -> CorpusSplit {
        try CorpusSplit(samples: samples, validationFraction: validationFraction, seed: seed)
    }
}
