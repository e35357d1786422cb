import Foundation
import GenRLModels
import Testing

/// The repository root, found from this file's path (Tests/GenRLModelsTests/...).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh empty directory under the system temporary directory.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-tokenizer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Texts that stress Unicode handling: emoji sequences, combining marks, CJK, controls.
private let unicodeTexts = [
    "", "a", "Hello, world!", "naïve café", "e\u{301}", "\u{212B} vs \u{00C5}", "👍🏽", "👨\u{200D}👩\u{200D}👧",
    "🇫🇷🇯🇵", "日本語のテキスト", "tab\there\nnewline\r\n", "\u{0}\u{1F}\u{7F}", "  leading and trailing  ",
]

// MARK: - Vocabulary

@Suite struct VocabularyTests {
    @Test func specialTokensHaveFixedIDs() throws {
        let vocabulary = try Vocabulary(learnedTokens: ["a", "b"])
        #expect(vocabulary.tokens == ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b"])
        #expect(Vocabulary.paddingID == 0 && Vocabulary.beginID == 1 && Vocabulary.endID == 2)
        #expect(Vocabulary.unknownID == 3)
        #expect(vocabulary.id(of: "<pad>") == 0 && vocabulary.id(of: "<bos>") == 1)
        #expect(vocabulary.id(of: "<eos>") == 2 && vocabulary.id(of: "<unk>") == 3)
        #expect(vocabulary.id(of: "a") == 4 && vocabulary.id(of: "b") == 5)
        #expect(vocabulary.id(of: "c") == nil && vocabulary.idOrUnknown(of: "c") == 3)
        #expect(vocabulary.token(for: 5) == "b" && vocabulary.token(for: 6) == nil)
        #expect(vocabulary.count == 6 && vocabulary.learnedCount == 2)
    }

    @Test func rejectsRepeatedEmptyAndMissingSpecialTokens() {
        #expect(throws: TokenizerError.self) { try Vocabulary(learnedTokens: ["a", "a"]) }
        #expect(throws: TokenizerError.self) { try Vocabulary(learnedTokens: ["<eos>"]) }
        #expect(throws: TokenizerError.self) { try Vocabulary(learnedTokens: [""]) }
        #expect(throws: TokenizerError.self) { try Vocabulary(tokens: ["a", "<bos>", "<eos>", "<unk>"]) }
        #expect(throws: TokenizerError.self) { try Vocabulary(tokens: ["<pad>", "<bos>"]) }
    }

    @Test func keepsCanonicallyEquivalentTokensApart() throws {
        // The Ångström sign and Å are equal as Swift Strings but are different scalars.
        let vocabulary = try Vocabulary(learnedTokens: ["\u{212B}", "\u{00C5}", "e\u{301}", "\u{E9}"])
        #expect(vocabulary.id(of: "\u{212B}") == 4 && vocabulary.id(of: "\u{00C5}") == 5)
        #expect(vocabulary.id(of: "e\u{301}") == 6 && vocabulary.id(of: "\u{E9}") == 7)
    }

    @Test func saveAndLoadGiveTheIdenticalVocabulary() throws {
        let vocabulary = try Vocabulary(learnedTokens: ["\u{212B}", "\u{00C5}", "\"quoted\"", "back\\slash", "/", "\u{0}", "👍🏽"])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tokenizer.json")
        try TokenizerFile(kind: .smiles, vocabulary: vocabulary).write(to: url)
        let loaded = try TokenizerFile.read(from: url).vocabulary
        #expect(loaded == vocabulary)
        #expect(zip(loaded.tokens, vocabulary.tokens).allSatisfy { Array($0.unicodeScalars) == Array($1.unicodeScalars) })
    }
}

// MARK: - Character tokenizer

@Suite struct CharacterTokenizerTests {
    @Test func vocabularyIsSeenScalarsInScalarOrder() throws {
        let tokenizer = try CharacterTokenizer(corpus: ["banana", "cab"])
        #expect(tokenizer.vocabulary.tokens.dropFirst(4) == ["a", "b", "c", "n"])
        #expect(tokenizer.encode("cab") == [6, 4, 5])
        #expect(tokenizer.kind == .character)
    }

    @Test func roundTripsEveryTextMadeOfSeenScalars() throws {
        let tokenizer = try CharacterTokenizer(corpus: unicodeTexts)
        for text in unicodeTexts {
            let ids = tokenizer.encode(text)
            #expect(ids.count == text.unicodeScalars.count)
            #expect(!ids.contains(Vocabulary.unknownID))
            let decoded = tokenizer.decode(ids)
            #expect(Array(decoded.unicodeScalars) == Array(text.unicodeScalars), "\(text.debugDescription)")
        }
        #expect(tokenizer.encode("") == [] && tokenizer.decode([]) == "")
        // One token per scalar: a skin-tone emoji is two tokens, a ZWJ family five.
        #expect(tokenizer.encode("👍🏽").count == 2 && tokenizer.encode("👨\u{200D}👩\u{200D}👧").count == 5)
    }

    @Test func rareAndUnseenScalarsBecomeUnknown() throws {
        let tokenizer = try CharacterTokenizer(corpus: ["aaab", "ab"], minimumCount: 2)
        #expect(tokenizer.vocabulary.tokens.dropFirst(4) == ["a", "b"])
        #expect(tokenizer.encode("abz") == [4, 5, Vocabulary.unknownID])
        #expect(tokenizer.decode(tokenizer.encode("abz")) == "ab<unk>")
        #expect(throws: TokenizerError.self) { try CharacterTokenizer(corpus: ["abc"], minimumCount: 2) }
        #expect(throws: TokenizerError.self) { try CharacterTokenizer(corpus: ["abc"], minimumCount: 0) }
    }

    @Test func decodeLeavesOutPaddingAndMarkers() throws {
        let tokenizer = try CharacterTokenizer(corpus: ["ab"])
        #expect(tokenizer.decode([1, 4, 5, 2, 0, 0]) == "ab")
        #expect(tokenizer.decode([4, 99, 3]) == "a<unk><unk>")
    }
}

// MARK: - Word tokenizer

@Suite struct WordTokenizerTests {
    @Test func splitsWordsAndPunctuation() {
        #expect(WordTokenizer.pieces(of: "Don't stop, well-known friend!") == ["Don't", "stop", ",", "well-known", "friend", "!"])
        #expect(WordTokenizer.pieces(of: "  'tis o'er -- (yes)  ") == ["'", "tis", "o'er", "-", "-", "(", "yes", ")"])
        #expect(WordTokenizer.pieces(of: "café naïve 42nd") == ["café", "naïve", "42nd"])
        #expect(WordTokenizer.pieces(of: "Loud WORDS", lowercase: true) == ["loud", "words"])
        #expect(WordTokenizer.pieces(of: "") == [] && WordTokenizer.pieces(of: " \t\n") == [])
    }

    @Test func roundTripGivesTheDocumentedNormalization() throws {
        let corpus = ["Hello ,world!", "It is (quite) well-known ; they said: yes?", "emoji 👍 here"]
        let tokenizer = try WordTokenizer(corpus: corpus)
        #expect(tokenizer.normalize("Hello ,world!") == "Hello, world!")
        #expect(tokenizer.normalize("It is (quite) well-known ; they said: yes?") == "It is (quite) well-known; they said: yes?")
        for text in corpus {
            let normalized = tokenizer.normalize(text)
            #expect(tokenizer.decode(tokenizer.encode(text)) == normalized)
            #expect(tokenizer.normalize(normalized) == normalized)
        }
        #expect(tokenizer.decode(tokenizer.encode("")) == "")
    }

    @Test func keepsTheMostFrequentWordsUpToTheSizeLimit() throws {
        // Counts: the 3, cat 2, sat 2, a 1. Size 6 = 4 special + 2 words: "the", then
        // "cat" (ties with "sat", which comes later in byte order).
        let tokenizer = try WordTokenizer(corpus: ["the cat sat", "the cat", "the sat a"], maximumVocabularySize: 6)
        #expect(tokenizer.vocabulary.tokens.dropFirst(4) == ["the", "cat"])
        #expect(tokenizer.encode("the sat cat") == [4, Vocabulary.unknownID, 5])
        #expect(tokenizer.decode(tokenizer.encode("the sat cat")) == "the <unk> cat")
        #expect(throws: TokenizerError.self) { try WordTokenizer(corpus: ["a"], maximumVocabularySize: 4) }
    }

    @Test func lowercasesWhenAsked() throws {
        let tokenizer = try WordTokenizer(corpus: ["The the THE"], lowercase: true)
        #expect(tokenizer.vocabulary.tokens.dropFirst(4) == ["the"])
        #expect(tokenizer.decode(tokenizer.encode("THE The")) == "the the")
    }
}

// MARK: - SMILES tokenizer

@Suite struct SMILESTokenizerTests {
    @Test(arguments: [
        ("CCl", ["C", "Cl"]),
        ("BrCCBr", ["Br", "C", "C", "Br"]),
        ("ClC(Cl)(Cl)Cl", ["Cl", "C", "(", "Cl", ")", "(", "Cl", ")", "Cl"]),
        ("c1cc[nH]c1", ["c", "1", "c", "c", "[nH]", "c", "1"]),
        ("C1CC1", ["C", "1", "C", "C", "1"]),
        ("C%10CC%10", ["C", "%10", "C", "C", "%10"]),
        ("C[C@@H](O)[C@H](N)C(=O)O", ["C", "[C@@H]", "(", "O", ")", "[C@H]", "(", "N", ")", "C", "(", "=", "O", ")", "O"]),
        ("[O-][N+](=O)c1ccccc1", ["[O-]", "[N+]", "(", "=", "O", ")", "c", "1", "c", "c", "c", "c", "c", "1"]),
        ("[Na+].[Cl-]", ["[Na+]", ".", "[Cl-]"]),
        ("[13CH3]C#N", ["[13CH3]", "C", "#", "N"]),
        ("F/C=C\\F", ["F", "/", "C", "=", "C", "\\", "F"]),
        ("[Fe+2]", ["[Fe+2]"]),
        ("C[", ["C", "["]),
        ("[]C", ["[", "]", "C"]),
        ("C%1", ["C", "%", "1"]),
    ])
    func tokenizesEdgeCases(smiles: String, expected: [String]) {
        #expect(SMILESTokenizer.tokens(in: smiles) == expected)
        #expect(SMILESTokenizer.tokens(in: smiles).joined() == smiles)
    }

    @Test func roundTripsTheShippedMolecules() throws {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Data/corpora/nci_first500.smi"), encoding: .utf8)
        let molecules = text.split(separator: "\n").map(String.init)
        #expect(molecules.count == 500)
        let tokenizer = try SMILESTokenizer(corpus: molecules)
        for smiles in molecules {
            let ids = tokenizer.encode(smiles)
            #expect(!ids.contains(Vocabulary.unknownID))
            #expect(tokenizer.decode(ids) == smiles)
        }
        #expect(tokenizer.vocabulary.id(of: "Cl") != nil && tokenizer.vocabulary.id(of: "l") == nil)
    }

    @Test func unknownTokensMapToUnknown() throws {
        let tokenizer = try SMILESTokenizer(corpus: ["CCO", "CC"])
        // Counts: C 4, O 1, so C is id 4 and O id 5.
        #expect(tokenizer.vocabulary.tokens.dropFirst(4) == ["C", "O"])
        #expect(tokenizer.encode("C[nH]Cl") == [4, Vocabulary.unknownID, Vocabulary.unknownID])
        #expect(tokenizer.decode([1, 4, 5, 2]) == "CO")
    }
}

// MARK: - Byte-level BPE

/// The fixture made by Tests/Fixtures/tokenizers/make_bpe_reference.py.
private struct BPEReference: Decodable {
    struct PreTokenization: Decodable { let text: String; let pieces: [String] }
    struct Training: Decodable {
        let corpusLines: Int
        let extraLines: [String]
        let vocabularySize: Int
        let minimumPairCount: Int
        let merges: [String]
        let vocabulary: [String]
    }
    struct Encoding: Decodable { let text: String; let ids: [Int] }
    let pretokenize: [PreTokenization]
    let training: Training
    let encode: [Encoding]

    static func load() throws -> BPEReference {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/tokenizers/bpe_reference.json")
        return try JSONDecoder().decode(BPEReference.self, from: Data(contentsOf: url))
    }
}

/// A small deterministic generator for random test strings.
private struct TestRandom {
    var state: UInt64
    mutating func next(below bound: UInt64) -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (state >> 33) % bound
    }
}

@Suite struct BPETokenizerTests {
    @Test func bytesAreSpelledAsGPT2Does() {
        let symbols = ByteLevelPreTokenizer.symbolForByte
        #expect(symbols.count == 256 && Set(symbols).count == 256)
        #expect(symbols[0x20] == "Ġ" && symbols[0x0A] == "Ċ" && symbols[0x00] == "\u{100}")
        #expect(symbols[0x21] == "!" && symbols[0x7E] == "~" && symbols[0xAD] == "\u{143}" && symbols[0xFF] == "ÿ")
        for (byte, symbol) in symbols.enumerated() { #expect(ByteLevelPreTokenizer.byteForSymbol[symbol] == UInt8(byte)) }
    }

    @Test func preTokenizationMatchesTheGPT2Pattern() throws {
        for example in try BPEReference.load().pretokenize {
            let pieces = ByteLevelPreTokenizer.split(example.text)
            #expect(pieces.map { Array($0.unicodeScalars) } == example.pieces.map { Array($0.unicodeScalars) },
                    "\(example.text.debugDescription)")
        }
    }

    @Test func mergesTheMostFrequentPairFirst() throws {
        // Pre-tokens: "ab", "Ġab" twice, "Ġcd". Pair counts: (a,b) 3, (Ġ,a) 2, (Ġ,c) 1,
        // (c,d) 1. First "a b"; then (Ġ,ab) has 2 and is merged; every other pair occurs
        // once, below the default minimum of 2.
        let tokenizer = try BPETokenizer(corpus: ["ab ab ab cd"], vocabularySize: 300)
        #expect(tokenizer.file.merges == ["a b", "Ġ ab"])
        #expect(tokenizer.vocabulary.tokens.dropFirst(260) == ["ab", "Ġab"])
        #expect(tokenizer.tokenStrings("ab ab cd") == ["ab", "Ġab", "Ġ", "c", "d"])

        // With a minimum of 1, (Ġ,c) and (c,d) tie at 1: the smaller left id wins (Ġ is
        // byte 0x20, c is 0x63), then (Ġc,d).
        let eager = try BPETokenizer(corpus: ["ab ab ab cd"], vocabularySize: 264, minimumPairCount: 1)
        #expect(eager.file.merges == ["a b", "Ġ ab", "Ġ c", "Ġc d"])
        #expect(eager.vocabularySize == 264)
    }

    @Test func stopsAtTheTargetVocabularySize() throws {
        let corpus = Array(repeating: "the quick brown fox jumps over the lazy dog", count: 5)
        let tokenizer = try BPETokenizer(corpus: corpus, vocabularySize: 270)
        #expect(tokenizer.vocabularySize == 270)
        #expect(throws: TokenizerError.self) { try BPETokenizer(corpus: corpus, vocabularySize: 259) }
    }

    @Test func learnsTheReferenceMergesAndEncodesLikeTheReference() throws {
        let reference = try BPEReference.load()
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Data/corpora/tinyshakespeare_lines.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(reference.training.corpusLines)
        let corpus = lines.map(String.init) + reference.training.extraLines
        let tokenizer = try BPETokenizer(
            corpus: corpus, vocabularySize: reference.training.vocabularySize,
            minimumPairCount: reference.training.minimumPairCount)
        #expect(tokenizer.file.merges == reference.training.merges)
        #expect(Array(tokenizer.vocabulary.tokens.dropFirst(4)) == reference.training.vocabulary)
        for example in reference.encode {
            #expect(tokenizer.encode(example.text) == example.ids, "\(example.text.debugDescription)")
        }
    }

    @Test func roundTripsAnyString() throws {
        let tokenizer = try BPETokenizer(corpus: ["the cat sat on the mat", "the dog ate the cat's food"], vocabularySize: 300)
        for text in unicodeTexts + ["never seen before: Ωμέγα, 🚀, \u{10FFFF}", String(repeating: "the ", count: 200)] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
            #expect(!tokenizer.encode(text).contains(Vocabulary.unknownID))
        }
        var random = TestRandom(state: 42)
        for _ in 0..<200 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<random.next(below: 20) {
                let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
                let range = ranges[Int(random.next(below: UInt64(ranges.count)))]
                let value = range.lowerBound + UInt32(random.next(below: UInt64(range.count)))
                scalars.append(Unicode.Scalar(value)!)
            }
            let text = String(scalars)
            #expect(Array(tokenizer.decode(tokenizer.encode(text)).unicodeScalars) == Array(text.unicodeScalars))
        }
    }

    @Test func aMergeThatSpellsAnExistingTokenReusesIt() throws {
        // Bytes a, b, c have ids 4 + 97, 4 + 98, 4 + 99. Merges: a+b → 260 "ab",
        // ab+c → 261 "abc", b+c → 262 "bc", then a+bc spells "abc" again and reuses 261.
        let (a, b, c) = (101, 102, 103)
        let tokenizer = try BPETokenizer(merges: [(a, b), (260, c), (b, c), (a, 262)])
        #expect(tokenizer.vocabulary.tokens.dropFirst(260) == ["ab", "abc", "bc"])
        #expect(tokenizer.encode("abc") == [261])
        #expect(tokenizer.encode("bcc") == [262, c])
        let loaded = try BPETokenizer(file: tokenizer.file)
        #expect(loaded.vocabulary == tokenizer.vocabulary && loaded.encode("xabcbc") == tokenizer.encode("xabcbc"))
        #expect(throws: TokenizerError.self) { try BPETokenizer(merges: [(a, b), (a, b)]) }
        #expect(throws: TokenizerError.self) { try BPETokenizer(merges: [(a, 260)]) }
    }

    @Test func decodingACutScalarGivesTheReplacementCharacter() throws {
        let tokenizer = try BPETokenizer(corpus: ["abc"], vocabularySize: 260)
        let ids = tokenizer.encode("é")  // two bytes, two tokens
        #expect(ids.count == 2)
        #expect(tokenizer.decode([ids[0]]) == "\u{FFFD}")
        #expect(tokenizer.decode([1] + ids + [2, 0]) == "é")
    }
}

// MARK: - Saving and loading

@Suite struct TokenizerFileTests {
    private static func sampleTokenizers() throws -> [any Tokenizer] {
        let corpus = ["The cat's hat, the mat!", "naïve 👍🏽 café", "c1ccccc1Cl"]
        return [
            try CharacterTokenizer(corpus: corpus),
            try WordTokenizer(corpus: corpus, lowercase: true),
            try SMILESTokenizer(corpus: ["c1ccccc1Cl", "C[C@@H](O)Br", "C%10CC%10"]),
            try BPETokenizer(corpus: corpus + corpus, vocabularySize: 290, minimumPairCount: 1),
        ]
    }

    @Test func everyKindLoadsBackIdenticalThroughTheFactory() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for tokenizer in try Self.sampleTokenizers() {
            let url = directory.appendingPathComponent("\(tokenizer.kind.rawValue).json")
            try tokenizer.save(to: url)
            let loaded = try TokenizerFile.loadTokenizer(from: url)
            #expect(loaded.kind == tokenizer.kind)
            #expect(loaded.vocabulary == tokenizer.vocabulary)
            #expect(loaded.file == tokenizer.file)
            for text in ["The cat's hat, the mat!", "naïve café", "c1ccccc1Cl", "unseen 🚀 text"] {
                #expect(loaded.encode(text) == tokenizer.encode(text))
                #expect(loaded.decode(tokenizer.encode(text)) == tokenizer.decode(tokenizer.encode(text)))
            }
        }
    }

    @Test func aDirectoryMeansItsTokenizerJSON() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenizer = try CharacterTokenizer(corpus: ["abc"])
        try tokenizer.save(to: directory)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path))
        let loaded = try CharacterTokenizer.load(from: directory)
        #expect(loaded.vocabulary == tokenizer.vocabulary)
    }

    @Test func errorsNameTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tokenizer.json")
        try CharacterTokenizer(corpus: ["abc"]).save(to: url)

        #expect(throws: TokenizerError.kindMismatch(path: url.path, expected: .word, found: .character)) {
            try WordTokenizer.load(from: url)
        }
        let missing = directory.appendingPathComponent("missing.json")
        do {
            _ = try TokenizerFile.loadTokenizer(from: missing)
            Issue.record("loading a missing file succeeded")
        } catch {
            guard case .unreadableFile(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == missing.path)
        }

        let garbage = directory.appendingPathComponent("garbage.json")
        try Data("{\"kind\": \"character\"".utf8).write(to: garbage)
        do {
            _ = try TokenizerFile.loadTokenizer(from: garbage)
            Issue.record("loading a truncated file succeeded")
        } catch {
            guard case .malformedFile(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == garbage.path)
            #expect(error.description.contains(garbage.path))
        }
    }

    @Test func rejectsABPEVocabularyThatDoesNotMatchItsMerges() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenizer = try BPETokenizer(corpus: ["ab ab ab cd"], vocabularySize: 300)
        var file = tokenizer.file
        file.vocabulary = try Vocabulary(tokens: Array(file.vocabulary.tokens.dropLast()) + ["ba"])
        let url = directory.appendingPathComponent("tokenizer.json")
        try file.write(to: url)
        #expect(throws: TokenizerError.self) { try TokenizerFile.loadTokenizer(from: url) }
    }
}
