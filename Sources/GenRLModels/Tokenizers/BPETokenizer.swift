/// Byte-level byte-pair encoding, as GPT-2 does it (Radford et al. 2019; BPE from
/// Sennrich et al. 2016).
///
/// Text is cut into pre-tokens by GPT-2's pattern (`ByteLevelPreTokenizer`), each
/// pre-token is spelled as its UTF-8 bytes, and learned merges join adjacent symbols,
/// lowest merge rank first, until no learned merge applies. Tokens are written with
/// GPT-2's printable byte symbols, so " the" is the token "Ġthe".
///
/// Vocabulary layout (ids):
/// - 0...3: `<pad>`, `<bos>`, `<eos>`, `<unk>`;
/// - 4...259: the 256 bytes in byte order (id = 4 + byte), so every string can be
///   encoded and `<unk>` never appears;
/// - 260...: one token per merge, in the order they were learned (a merge that spells
///   the same bytes as an earlier token, "a"+"bc" after "ab"+"c", reuses that token).
///
/// Round trip: `decode(encode(text)) == text` for **every** string. Decoding an
/// arbitrary id sequence may cut a multi-byte scalar; such bytes decode to U+FFFD.
public struct BPETokenizer: Tokenizer {
    /// `.bytePairEncoding`.
    public var kind: TokenizerKind { .bytePairEncoding }
    /// Special tokens, the 256 byte symbols, then one token per merge.
    public let vocabulary: Vocabulary
    /// The merges in learning order, as the ids of the two joined tokens.
    public let merges: [(left: Int, right: Int)]
    /// The rank of each merge, keyed by `BPETrainer.key(left, right)`.
    private let mergeRanks: [UInt64: Int32]
    /// The id of the token each merge produces, by rank.
    private let mergeResults: [Int32]
    /// The bytes each token stands for (empty for special tokens).
    private let bytesOfToken: [[UInt8]]

    /// The id of byte 0; byte `b` has id `firstByteID + b`.
    public static let firstByteID = Vocabulary.specialTokenCount
    /// The id of the first merged token: 260.
    public static let firstMergedID = Vocabulary.specialTokenCount + 256

    /// Learns merges from `corpus` until the vocabulary has `vocabularySize` tokens.
    ///
    /// - Parameters:
    ///   - corpus: the training samples.
    ///   - vocabularySize: the target size, special tokens and the 256 bytes included
    ///     (GPT-2 uses 50,257); at least 260.
    ///   - minimumPairCount: learning stops early, with a smaller vocabulary, when no
    ///     pair occurs this often (default 2: a pair seen once teaches nothing).
    /// - Throws: `.invalidConfiguration` for `vocabularySize < 260` or
    ///   `minimumPairCount < 1`.
    public init(corpus: some Sequence<String>, vocabularySize: Int, minimumPairCount: Int = 2) throws(TokenizerError) {
        guard vocabularySize >= Self.firstMergedID else {
            throw .invalidConfiguration(
                "vocabularySize must be at least \(Self.firstMergedID) (4 special tokens + 256 bytes), "
                    + "got \(vocabularySize)")
        }
        guard minimumPairCount >= 1 else {
            throw .invalidConfiguration("minimumPairCount must be at least 1, got \(minimumPairCount)")
        }
        var trainer = BPETrainer(corpus: corpus, firstByteID: Int32(Self.firstByteID))
        trainer.learn(symbolCount: vocabularySize, minimumPairCount: minimumPairCount)
        try self.init(merges: trainer.merges.map { (Int($0.left), Int($0.right)) })
    }

    /// A tokenizer with exactly these merges, in rank order. Each joins two existing
    /// token ids; a merge creates the next id (260, 261, ...) unless its bytes are
    /// already a token.
    ///
    /// - Throws: `.invalidConfiguration` if a merge names a special token or an id not
    ///   yet created, or repeats an earlier merge.
    public init(merges: [(left: Int, right: Int)]) throws(TokenizerError) {
        var bytesOfToken = Array(repeating: [UInt8](), count: Self.firstByteID)
        bytesOfToken += (0...255).map { [UInt8($0)] }
        var tokenForBytes: [[UInt8]: Int32] = [:]
        for id in Self.firstByteID..<bytesOfToken.count { tokenForBytes[bytesOfToken[id]] = Int32(id) }
        var ranks: [UInt64: Int32] = [:]
        var results: [Int32] = []
        for (rank, merge) in merges.enumerated() {
            for id in [merge.left, merge.right] where !(Self.firstByteID..<bytesOfToken.count).contains(id) {
                throw .invalidConfiguration("merge \(rank) uses id \(id), which is not a byte or earlier merge")
            }
            let key = BPETrainer.key(Int32(merge.left), Int32(merge.right))
            if ranks[key] != nil {
                throw .invalidConfiguration("merge \(rank) repeats an earlier merge (\(merge.left), \(merge.right))")
            }
            ranks[key] = Int32(rank)
            let bytes = bytesOfToken[merge.left] + bytesOfToken[merge.right]
            if let existing = tokenForBytes[bytes] {
                results.append(existing)
            } else {
                results.append(Int32(bytesOfToken.count))
                tokenForBytes[bytes] = Int32(bytesOfToken.count)
                bytesOfToken.append(bytes)
            }
        }
        let learned = bytesOfToken[Self.firstByteID...].map { ByteLevelPreTokenizer.symbols(for: $0) }
        self.vocabulary = try Vocabulary(learnedTokens: Array(learned))
        self.merges = merges
        self.mergeRanks = ranks
        self.mergeResults = results
        self.bytesOfToken = bytesOfToken
    }

    /// Rebuilds the tokenizer from `tokenizer.json`: the merges are replayed and the
    /// resulting vocabulary must equal the stored one.
    public init(file: TokenizerFile) throws(TokenizerError) {
        try Self.requireKind(.bytePairEncoding, in: file)
        let tokens = file.vocabulary.tokens
        var merges: [(left: Int, right: Int)] = []
        for (rank, line) in (file.merges ?? []).enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let left = file.vocabulary.id(of: String(parts[0])),
                  let right = file.vocabulary.id(of: String(parts[1]))
            else {
                throw .invalidConfiguration("merge \(rank) \(line.debugDescription) is not two known tokens")
            }
            merges.append((left, right))
        }
        try self.init(merges: merges)
        guard vocabulary == file.vocabulary else {
            let firstDifference = zip(vocabulary.tokens, tokens).enumerated()
                .first { !$0.element.0.utf8.elementsEqual($0.element.1.utf8) }?.offset
            throw .invalidConfiguration(
                "the vocabulary does not match the merges (\(tokens.count) tokens stored, \(vocabulary.count) "
                    + "implied; first difference at id \(firstDifference.map(String.init) ?? "end"))")
        }
    }

    /// The ids of `text`: each pre-token's bytes, merged by rank.
    public func encode(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int] = []
        ids.reserveCapacity(scalars.count)
        var symbols: [Int32] = []
        for range in ByteLevelPreTokenizer.splitRanges(scalars) {
            symbols.removeAll(keepingCapacity: true)
            for scalar in scalars[range] {
                for byte in UTF8.encode(scalar)! { symbols.append(Int32(Self.firstByteID) + Int32(byte)) }
            }
            applyMerges(&symbols)
            for symbol in symbols { ids.append(Int(symbol)) }
        }
        return ids
    }

    /// Repeatedly merges the adjacent pair of lowest rank (all its occurrences, left to
    /// right) until no adjacent pair is a learned merge, as GPT-2's `bpe()` does.
    private func applyMerges(_ symbols: inout [Int32]) {
        while symbols.count > 1 {
            var bestRank = Int32.max
            for position in 0..<(symbols.count - 1) {
                if let rank = mergeRanks[BPETrainer.key(symbols[position], symbols[position + 1])], rank < bestRank {
                    bestRank = rank
                }
            }
            guard bestRank != .max else { return }
            let left = Int32(merges[Int(bestRank)].left)
            let right = Int32(merges[Int(bestRank)].right)
            let merged = mergeResults[Int(bestRank)]
            var write = 0
            var read = 0
            while read < symbols.count {
                if read + 1 < symbols.count, symbols[read] == left, symbols[read + 1] == right {
                    symbols[write] = merged
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                write += 1
            }
            symbols.removeLast(symbols.count - write)
        }
    }

    /// The UTF-8 text of the bytes of `ids`; `<pad>`, `<bos>`, `<eos>` left out,
    /// unknown ids written as "<unk>", invalid byte sequences as U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where !Vocabulary.isStructural(id) {
            if id >= Self.firstByteID, id < bytesOfToken.count {
                bytes.append(contentsOf: bytesOfToken[id])
            } else {
                bytes.append(contentsOf: Vocabulary.unknownToken.utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The vocabulary and the merges as "left right" token pairs, kind `bpe`.
    public var file: TokenizerFile {
        let lines = merges.map { "\(vocabulary.tokens[$0.left]) \(vocabulary.tokens[$0.right])" }
        return TokenizerFile(kind: .bytePairEncoding, vocabulary: vocabulary, merges: lines)
    }
}
